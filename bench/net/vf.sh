#!/usr/bin/env bash
# Direct assignment against the driver domain's path, in one run, each
# figure beside its baselines (docs/networking.md, direct assignment):
#   TCP (iperf3, SECONDS each)   guest->guest and guest->wire over VFs (each
#                                teamed with a vif, failover=0, as the active
#                                path: eth0 on the VF with TSO), over
#                                vifs through netdd, and a veth pair between
#                                two namespaces (native); the ratio VF/PV;
#   CPU per Gbit/s               the CPU time netdd, the NIC model and the two
#                                guests' domain processes spent in each TCP
#                                run, per Gbit moved (ms), as /proc counts it
#                                (their own threads; the guests' kernels' TCP
#                                and TAP work is in iperf3's, the same on both
#                                paths, and not counted);
#   64-byte frames per second    guest->guest with udp-pps through each
#                                guest's kernel and TAP, over VFs and over
#                                vifs, beside the veth pair and the xnic
#                                driven natively by one process;
#   failover                     a guest with a VF teamed with its vif
#                                (pci failover=0) streams TCP to a vif guest
#                                while its VF is detached and re-attached:
#                                whether the connection lived, its
#                                retransmissions, and pings every 10 ms
#                                beside it: lost, answered twice, the longest
#                                time without an answer (and apart: after the
#                                detach, after the re-attach).
# Usage: bench/net/vf.sh [SECONDS]   (root, after make && make tests; default 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "bench/net/vf.sh: needs root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "bench/net/vf.sh: needs iperf3" >&2; exit 1; }
secs=${1:-5}
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/net/vf.sh [SECONDS]" >&2; exit 2; }
top=$PWD
bin=$top/build/bin
bench=$top/build/bench
PF=0000:03:00.0
VF1=0000:03:10.0 # guests V1, V2 on a VF each; T's teamed with its vif
VF2=0000:03:10.1
VFT=0000:03:10.2
WIRE=sv-vfbench-w0
DD=vfb-dd
P1=vfb-p1 P2=vfb-p2 V1=vfb-v1 V2=vfb-v2 T=vfb-t
source bench/net/lib.sh
bench_begin "sv-$DD" "sv-$P1" "sv-$P2" "sv-$V1" "sv-$V2" "sv-$T"

in_p1()   { "$bin/xl" exec "$P1" -- "$@"; }
in_p2()   { "$bin/xl" exec "$P2" -- "$@"; }
in_v1()   { "$bin/xl" exec "$V1" -- "$@"; }
in_v2()   { "$bin/xl" exec "$V2" -- "$@"; }
in_t()    { "$bin/xl" exec "$T" -- "$@"; }

# describe NAME MEMORY LINES...: $rd/NAME.cfg with the guest image.
describe() {
    local name=$1 mem=$2
    shift 2
    printf 'name = "%s"\nmemory = %s\nkernel = "%s"\n' "$name" "$mem" "$bin/guest" >"$rd/$name.cfg"
    printf '%s\n' "$@" >>"$rd/$name.cfg"
}

# Waits until netdd gives guest NAME's teamed VF the traffic (its eth0 is
# then on the VF: netdd is off the path).
wait_teamed() { # NAME
    local id
    id=$("$bin/xl" domid "$1")
    for _ in $(seq 40); do
        grep -q "backend/vif/$id/0 stands by" "$rd/console/$("$bin/xl" domid "$DD").log" && return 0
        sleep 0.25
    done
    echo "$1's VF did not become the active path" >&2
    return 1
}

wait_reach() { # FN ADDR
    for _ in $(seq 40); do
        "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
        sleep 0.25
    done
    echo "$1 cannot reach $2" >&2
    return 1
}

split_up() {
    cat >"$rd/dd.cfg" <<CFG
name = "$DD"
memory = 256
vcpus = 2
kernel = "$bin/netdd"
driver_domain = 1
pci = [ '$PF' ]
CFG
    describe "$P1" 128 "vif = [ 'mac=00:16:3e:be:03:01,backend=$DD,ip=10.0.0.11/24' ]"
    describe "$P2" 128 "vif = [ 'mac=00:16:3e:be:03:02,backend=$DD,ip=10.0.0.12/24' ]"
    describe "$V1" 64 "vif = [ 'mac=00:16:3e:be:03:11,backend=$DD,ip=10.0.0.21/24' ]" \
        "pci = [ '$VF1,failover=0' ]"
    describe "$V2" 64 "vif = [ 'mac=00:16:3e:be:03:12,backend=$DD,ip=10.0.0.22/24' ]" \
        "pci = [ '$VF2,failover=0' ]"
    describe "$T" 64 "vif = [ 'mac=00:16:3e:be:03:21,backend=$DD,ip=10.0.0.31/24' ]" \
        "pci = [ '$VFT,failover=0' ]"
    ip netns add sv-bench-wire; made_ns+=(sv-bench-wire)
    "$bin/splitvisor" start --nic "--wire tap:$WIRE --vfs 4" >/dev/null
    for f in "$PF" "$VF1" "$VF2" "$VFT"; do "$bin/xl" pci-assignable-add "$f"; done
    "$bin/xl" create "$rd/dd.cfg" >/dev/null
    for g in "$P1" "$P2" "$V1" "$V2" "$T"; do "$bin/xl" create "$rd/$g.cfg" >/dev/null; done
    ip link set "$WIRE" netns sv-bench-wire
    ip -n sv-bench-wire addr add 10.0.0.1/24 dev "$WIRE"
    ip -n sv-bench-wire link set "$WIRE" up
    for g in "$V1" "$V2" "$T"; do wait_teamed "$g"; done
    wait_reach in_p1 10.0.0.12
    wait_reach in_p1 10.0.0.1
    wait_reach in_v1 10.0.0.22
    wait_reach in_v1 10.0.0.1
    wait_reach in_t 10.0.0.12
}

# The pid of the process whose command line is exactly the name given
# (domains run as their name; the NIC model as xnic).
pid_of() { pgrep -xf "$1( .*)?" | head -1; }

# tcp_cpu SRV_FN CLI_FN ADDR PIDS...: tcp_run, then fig="GBIT/S RETR MS_PER_GBIT"
# with the CPU time PIDS spent per Gbit moved (lib.sh's cpu watch).
tcp_cpu() {
    local srv=$1 cli=$2 addr=$3
    shift 3
    watch=("$@")
    tcp_run "$srv" "$cli" "$addr"
    watch=()
    read -r gbit retr <<<"$fig"
    fig="$gbit $retr $(awk -v c="${cpu%% *}" -v g="$gbit" \
        'BEGIN { printf "%.0f", (g > 0 ? c * 1000 / g : 0) }')"
}

# The failover run: iperf3 T->P2 for 3 x SECONDS with pings every 10 ms
# beside it; the VF detached after SECONDS, attached again after 2 x SECONDS.
# fig="ALIVE RETRANSMITS LOST DUPLICATES LONGEST_GAP_MS GAP_AT_S DETACH_GAP_MS ATTACH_GAP_MS
#      DETACH_MS ATTACH_MS"
failover_run() {
    local out=$rd/failover.out pings=$rd/failover-ping.out n t0 t1 t2 t3 alive=yes retr
    n=$((3 * secs * 100))
    serve "$rd/iperf3-fo.out" in_p2 iperf3 -s -1 -p 5202
    wait_listen in_p2 5202
    in_t iperf3 -c 10.0.0.12 -p 5202 -t $((3 * secs)) -f m >"$out" 2>&1 &
    local ipid=$!
    in_t ping -D -i 0.01 -c "$n" -W 1 10.0.0.12 >"$pings" 2>&1 &
    local ppid=$!
    sleep "$secs"
    t0=$(date +%s%N); "$bin/xl" pci-detach "$T" "$VFT"; t1=$(date +%s%N)
    sleep "$secs"
    t2=$(date +%s%N); "$bin/xl" pci-attach "$T" "$VFT,failover=0"; t3=$(date +%s%N)
    wait "$ipid" || alive=no
    wait "$ppid" || true
    retr=$(awk '/ sender$/ { print $(NF - 1) }' "$out")
    # The longest gap, and the longest that ended after the detach began and
    # before the re-attach did (the vif taking the stream over), and after
    # that (the VF taking it back).
    fig="$alive ${retr:-?} $(awk -v n="$n" -v det="${t0%?????????}.${t0: -9}" \
        -v att="${t2%?????????}.${t2: -9}" '
        /bytes from/ { for (i = 1; i <= NF; i++) if ($i ~ /^icmp_seq=/) { s = substr($i, 10) }
                       ts = substr($1, 2, length($1) - 2) + 0
                       if (seen[s]++) dup++; else got++
                       if (last && ts - last > gap) { at = last - first; gap = ts - last }
                       if (last && ts > det && ts <= att && ts - last > gd) gd = ts - last
                       if (last && ts > att && ts - last > ga) ga = ts - last
                       if (!first) first = ts
                       last = ts }
        END { printf "%d %d %.0f %.2f %.0f %.0f", n - got, dup, gap * 1000, at, gd * 1000,
                     ga * 1000 }' "$pings")"
    fig="$fig $(((t1 - t0) / 1000000)) $(((t3 - t2) / 1000000))"
}

step=start
echo "bench/net/vf: $secs s per figure, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
step="veth pair"; veth_up
step="hypervisor, driver domain and guests"; split_up
hv_xnic=$(pgrep -f -- "--control $rd/" | head -1 || true)
[ -n "$hv_xnic" ] || hv_xnic=$(pgrep -xf "$bin/xnic .*" | head -1)
ddpid=$(pid_of "$DD")

step="veth TCP"; tcp_run in_b in_a 10.99.0.2; read -r veth_tcp veth_retr <<<"$fig"
step="PV TCP guest->guest"
tcp_cpu in_p2 in_p1 10.0.0.12 "$ddpid" "$hv_xnic" "$(pid_of "$P1")" "$(pid_of "$P2")"
read -r pv_gg pv_gg_retr pv_gg_cpu <<<"$fig"
step="VF TCP guest->guest"
tcp_cpu in_v2 in_v1 10.0.0.22 "$ddpid" "$hv_xnic" "$(pid_of "$V1")" "$(pid_of "$V2")"
read -r vf_gg vf_gg_retr vf_gg_cpu <<<"$fig"
step="PV TCP guest->wire"
tcp_cpu in_wire in_p1 10.0.0.1 "$ddpid" "$hv_xnic" "$(pid_of "$P1")"
read -r pv_gw pv_gw_retr pv_gw_cpu <<<"$fig"
step="VF TCP guest->wire"
tcp_cpu in_wire in_v1 10.0.0.1 "$ddpid" "$hv_xnic" "$(pid_of "$V1")"
read -r vf_gw vf_gw_retr vf_gw_cpu <<<"$fig"
step="CPU of each part"
# The same runs once more, each part on its own: who spends the CPU.
parts() { # SRV_FN CLI_FN ADDR G1 G2: fig="NETDD_MS NIC_MS GUESTS_MS" per Gbit
    local a b c
    tcp_cpu "$1" "$2" "$3" "$ddpid"; a=$(awk '{print $3}' <<<"$fig")
    tcp_cpu "$1" "$2" "$3" "$hv_xnic"; b=$(awk '{print $3}' <<<"$fig")
    tcp_cpu "$1" "$2" "$3" "$(pid_of "$4")" "$(pid_of "$5")"; c=$(awk '{print $3}' <<<"$fig")
    fig="$a $b $c"
}
parts in_p2 in_p1 10.0.0.12 "$P1" "$P2"; read -r pv_dd pv_nic pv_g <<<"$fig"
parts in_v2 in_v1 10.0.0.22 "$V1" "$V2"; read -r vf_dd vf_nic vf_g <<<"$fig"
step="native xnic pps"; native_run; native=$fig
step="veth pps"; udp_run in_b in_a 10.99.0.2; veth_pps=$fig
step="PV pps"; udp_run in_p2 in_p1 10.0.0.12; pv_pps=$fig
step="VF pps"; udp_run in_v2 in_v1 10.0.0.22; vf_pps=$fig
step="failover"; failover_run
read -r fo_alive fo_retr fo_lost fo_dup fo_gap fo_gap_at fo_dgap fo_agap fo_detach fo_attach <<<"$fig"
step=done

row='%-40s %10s %10s %10s %8s %10s\n'
printf "$row" figure VF "PV (netdd)" native VF/PV VF/native
printf "$row" "TCP guest->guest, Gbit/s" "$vf_gg" "$pv_gg" "$veth_tcp" \
    "$(ratio "$vf_gg" "$pv_gg")" "$(ratio "$vf_gg" "$veth_tcp")"
printf "$row" "TCP guest->wire, Gbit/s" "$vf_gw" "$pv_gw" "$veth_tcp" \
    "$(ratio "$vf_gw" "$pv_gw")" "$(ratio "$vf_gw" "$veth_tcp")"
printf "$row" "64 B guest->guest (udp-pps), pps" "$vf_pps" "$pv_pps" "$veth_pps" \
    "$(ratio "$vf_pps" "$pv_pps")" "$(ratio "$vf_pps" "$veth_pps")"
echo "native: TCP and udp-pps over a veth pair; the xnic driven by one process," \
    "pool->pool 64 B: $native pps (VF/that $(ratio "$vf_pps" "$native"), PV/that $(ratio "$pv_pps" "$native"))"
echo "retransmits: guest->guest VF $vf_gg_retr PV $pv_gg_retr, guest->wire VF $vf_gw_retr PV $pv_gw_retr, veth $veth_retr"
printf '%-40s %10s %10s\n' "CPU ms per Gbit moved" VF "PV (netdd)"
printf '%-40s %10s %10s\n' "  guest->guest: netdd+NIC+both guests" "$vf_gg_cpu" "$pv_gg_cpu"
printf '%-40s %10s %10s\n' "  guest->wire: netdd+NIC+the guest" "$vf_gw_cpu" "$pv_gw_cpu"
printf '%-40s %10s %10s\n' "  guest->guest, netdd alone" "$vf_dd" "$pv_dd"
printf '%-40s %10s %10s\n' "  guest->guest, the NIC model alone" "$vf_nic" "$pv_nic"
printf '%-40s %10s %10s\n' "  guest->guest, the two guests alone" "$vf_g" "$pv_g"
echo "failover (TCP T->P2 $((3 * secs)) s; VF detached at ${secs} s in $fo_detach ms," \
    "attached again at $((2 * secs)) s in $fo_attach ms): connection alive: $fo_alive," \
    "retransmits $fo_retr; pings every 10 ms: $fo_lost lost, $fo_dup answered twice," \
    "longest gap $fo_gap ms (from ${fo_gap_at} s; after the detach $fo_dgap ms, after the" \
    "re-attach $fo_agap ms)"
echo "target: no connection lost, gap < 100 ms: $(
    [ "$fo_alive" = yes ] && [ "$fo_gap" -lt 100 ] && echo met || echo MISSED)"
