#!/usr/bin/env bash
# The networking benchmark, in one run, each figure beside its baseline:
#   TCP (iperf3, SECONDS each)  guest->guest and guest->wire through the driver
#                               domain, beside a veth pair between two namespaces;
#   64-byte frames per second   guest->guest through the driver domain, two ways:
#                               poll-mode guests (guest --pktgen: frames made and
#                               counted on the netfront rings, as DPDK's netfront
#                               PMD would), event-driven and busy-polling, and
#                               programs in the guests (udp-pps through each
#                               guest's kernel stack and eth0); beside the xnic
#                               driven natively by one process (xnic-bench
#                               pool->pool), DPDK's dpdk-testpmd vhost-user ->
#                               virtio-user (two poll-mode processes, one
#                               forwarding core each, on hugepages the script
#                               reserves and releases) and the same udp-pps over
#                               the veth pair and between two eth0 veths whose
#                               peers one relay joins with packet sockets,
#                               nothing between (guest_ends.sh: the ceiling of
#                               the guests' end); busy polling beside event-driven,
#                               and beside busy polling that never sleeps
#                               (--busy-poll-us 0, measured once);
#   1500-byte frames per second poll-mode guests beside DPDK's pair (once);
#   multi-queue                 iperf3 -P 4 between two guests whose vifs have 2
#                               queues (2 vcpus), beside the same between the
#                               1-queue guests (once);
#   CPU                         for every path above, the cores its processes
#                               kept busy over a window inside the measurement
#                               (utime+stime from /proc/PID/stat of every
#                               process in the path's namespaces: domains and
#                               the programs run in them, netdd, and the NIC
#                               model; the veth pair's two namespaces; the two
#                               testpmds), per frame (us) or per Gbit/s
#                               (cores), and beside them the host's softirq
#                               time over the same window (/proc/stat, all
#                               CPUs): the kernel's receive work that does not
#                               run in a sender's system call lands there, most
#                               of veth's; it is host-wide, so other load on
#                               the host is in it too, and it is printed apart.
# TCP, the poll-mode and DPDK 64-byte figures are measured ROUNDS times, each
# right after its baseline; the table gives each side's median over the
# rounds and issue 19's targets, each judged on those medians: met or MISSED.
# Usage: bench/net/run.sh [SECONDS [all|pps [ROUNDS]]]   (root, after make &&
#        make tests; needs iperf3 and dpdk-testpmd (apt-get install dpdk);
#        default 5 s, 3 rounds; "pps": only the frame-rate figures;
#        NETDD_ARGS: the driver domain's options, e.g.
#        NETDD_ARGS="--tx-copybreak 65536": netdd copies all TX;
#        SV_BENCH_CPU_LATENCY=US: a PM QoS CPU latency held for the whole
#        run, e.g. 0: idle CPUs poll rather than halt, as tuned's
#        latency-performance profile has it; default: the host's own)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "bench/net/run.sh: needs root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "bench/net/run.sh: needs iperf3" >&2; exit 1; }
secs=${1:-5}
only=${2:-all}
rounds=${3:-3}
usage="usage: bench/net/run.sh [SECONDS [all|pps [ROUNDS]]]"
[ "$only" = all ] || [ "$only" = pps ] || { echo "$usage" >&2; exit 2; }
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
top=$PWD
bin=$top/build/bin
bench=$top/build/bench
PF=0000:03:00.0
WIRE=sv-bench-w0       # the NIC's wire: a TAP, moved into namespace sv-bench-wire
DD=bench-dd            # domains; the hypervisor names their namespaces sv-<name>
G1=bench-g1
G2=bench-g2
P1=bench-p1            # pktgen guests: P1 sends to P2
P2=bench-p2
M1=bench-m1            # multi-queue guests: 2 queues, 2 vcpus
M2=bench-m2

source bench/net/lib.sh
bench_begin "sv-$DD" "sv-$G1" "sv-$G2" "sv-$P1" "sv-$P2" "sv-$M1" "sv-$M2" \
    sv-gend-a sv-gend-b sv-gend-r

# Ways into the multi-queue guests' namespaces (lib.sh has G1's and G2's).
in_m1()   { "$bin/xl" exec "$M1" -- "$@"; }
in_m2()   { "$bin/xl" exec "$M2" -- "$@"; }

# Two guests whose vifs have 2 queues (RSS in the NIC), on 2 vcpus each,
# once they reach each other.
mq_up() {
    guest_cfg "$M1" 00:16:3e:be:02:01 128 "" 10.0.0.21/24 2
    guest_cfg "$M2" 00:16:3e:be:02:02 128 "" 10.0.0.22/24 2
    "$bin/xl" create "$rd/$M1.cfg" >/dev/null
    "$bin/xl" create "$rd/$M2.cfg" >/dev/null
    for _ in $(seq 20); do
        in_m1 ping -c 1 -W 1 10.0.0.22 >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "the 2-queue guests cannot reach each other" >&2
    return 1
}

# The pktgen guests on the driver domain, P2 counting what P1 sends for
# SECONDS: fig="RX_PPS TX_PPS RX_NO_BUF" (the receiver's mean over the
# seconds after the first, the sender's offer, frames the NIC dropped
# meanwhile), and cpu.
# The mean of a pktgen console's per-second rates over SECONDS, from the
# second report that counted frames on (the first is a warm-up).
pktgen_mean() { # DOMID
    awk -v n="$secs" '$1 == "pktgen" && $6 > 0 { if (k++ && k <= n + 1) { s += $4; m++ } }
        END { if (m) printf "%.0f\n", s / m }' "$rd/console/$1.log"
}

# The RX-no-buffer drops of P2's pool so far (the pool's counter outlives
# the guest, and the next P2 may get another pool).
rx_no_buf() { "$bin/xl" network-list "$P2" | grep -Eo 'rx-no-buf [0-9]+' | awk '{ print $2 }'; }

pktgen_run() { # RX_EXTRA TX_EXTRA (e.g. --busy-poll)
    local rxid txid nobuf
    guest_cfg "$P2" 00:16:3e:be:01:02 64 "--pktgen rx $1"
    guest_cfg "$P1" 00:16:3e:be:01:01 64 "--pktgen tx --dst-mac 00:16:3e:be:01:02 $2"
    "$bin/xl" create "$rd/$P2.cfg" >/dev/null
    rxid=$("$bin/xl" domid "$P2")
    for _ in $(seq 50); do grep -q "pktgen rx: vif 0 connected" "$rd/console/$rxid.log" && break; sleep 0.1; done
    nobuf=$(rx_no_buf)
    "$bin/xl" create "$rd/$P1.cfg" >/dev/null
    txid=$("$bin/xl" domid "$P1")
    cpu_watch_start "$((secs + 2))"
    sleep "$((secs + 2))"
    cpu_watch_end
    fig="$(pktgen_mean "$rxid") $(pktgen_mean "$txid")"
    fig="$fig $(($(rx_no_buf) - ${nobuf:-0}))"
    "$bin/xl" destroy "$P1"
    "$bin/xl" destroy "$P2"
    [ "$(wc -w <<<"$fig")" = 3 ] || { echo "pktgen gave no figure ($fig)" >&2; return 1; }
}

# A target line: met, or missed and by what factor.
verdict() { # RATIO TARGET
    awk -v r="$1" -v t="$2" 'BEGIN {
        if (r >= t) printf "met: %.3fx (>= %.1fx)\n", r, t;
        else printf "MISSED: %.3fx, needs %.2fx more\n", r, (r > 0 ? t / r : 0) }'
}

# Every figure, baselines included, under one CPU idle policy.  The request
# lasts while the file is open: a job of ours holds it (the cleanup ends it).
cpu_latency=${SV_BENCH_CPU_LATENCY:-}
if [ -z "$cpu_latency" ]; then
    idle="the host's CPU idle states"
elif [ ! -w /dev/cpu_dma_latency ]; then
    echo "bench/net/run.sh: SV_BENCH_CPU_LATENCY needs /dev/cpu_dma_latency" >&2
    exit 1
else
    ( printf '%s' "$cpu_latency" >&9 && exec sleep 1d ) 9>/dev/cpu_dma_latency &
    idle="CPU latency $cpu_latency us held (/dev/cpu_dma_latency)"
fi

# CPU a unit of work: "PROC TOTAL" (the path's processes, then with the
# host's softirq) from cpu="PROC_CORES SOFTIRQ_CORES" and a RATE: CPU
# microseconds a frame (SCALE 1e6, RATE in pps) or cores a Gbit/s (SCALE 1).
per_unit() { # RATE SCALE
    awk -v c="$cpu" -v r="$1" -v k="$2" 'BEGIN { split(c, a, " ");
        if (r > 0) printf "%.4g %.4g\n", a[1] * k / r, (a[1] + a[2]) * k / r; else print "0 0" }'
}
# Column N of its arguments' "A B" pairs, one argument each, as a median.
median_col() { # N PAIR...
    local n=$1
    shift
    median $(printf '%s\n' "$@" | awk -v n="$n" '{ print $n }')
}
# "cores C (procs P + softirq S), U/unit (U2 with softirq)" for the table.
cpu_cell() { # CPUS_ARRAY_NAME UNITS_ARRAY_NAME UNIT
    local -n c=$1 u=$2
    printf '%s cores (%s + softirq %s), %s %s (%s with the softirq)' \
        "$(median $(printf '%s\n' "${c[@]}" | awk '{ print $1 + $2 }'))" \
        "$(median_col 1 "${c[@]}")" "$(median_col 2 "${c[@]}")" \
        "$(median_col 1 "${u[@]}")" "$3" "$(median_col 2 "${u[@]}")"
}

step=start
echo "bench/net: $secs s per figure, $rounds rounds, $(nproc) cores," \
    "load $(cut -d' ' -f1-3 /proc/loadavg), $idle"
dpdk_check
step="veth pair"; veth_up
step="guests' ends joined"; ends_up
step="hypervisor, driver domain and guests"; split_up
nic=$(ps -o pid=,comm= --ppid "$(cat "$rd/splitvisor.pid")" | awk '$2 == "xnic" { print $1 }')
[ -n "$nic" ] || { echo "bench/net/run.sh: no NIC model process" >&2; exit 1; }
step="DPDK testpmd pair"; dpdk_up
# Rates here move with the host's other load by up to 2x from one minute to
# the next (and the native figure now and then falls to ~2 Mpps when its
# spinning driver shares a core with the NIC model), so each figure is
# measured in every round right after its baseline, and a target is judged
# on the ratio of the two sides' medians over the rounds.
veth_tcps=() gg_tcps=() gw_tcps=() natives=() pgs=() pbs=() dpdks=()
r_tcps=() r_gws=() r_pgs=() r_pbs=() r_dps=()
c_veth=() u_veth=() c_gg=() u_gg=() c_pg=() u_pg=() c_pb=() u_pb=() c_dp=() u_dp=()
for r in $(seq "$rounds"); do
    line="round $r:"
    if [ "$only" = all ]; then
        step="veth TCP, round $r"; watch=(sv-bench-a sv-bench-b)
        tcp_run in_b in_a 10.99.0.2; read -r veth_tcp veth_retr <<<"$fig"
        c_veth+=("$cpu") u_veth+=("$(per_unit "$veth_tcp" 1)")
        step="guest->guest TCP, round $r"; watch=("sv-$G1" "sv-$G2" "sv-$DD" "$nic")
        tcp_run in_g2 in_g1 10.0.0.12; read -r gg_tcp gg_retr <<<"$fig"
        c_gg+=("$cpu") u_gg+=("$(per_unit "$gg_tcp" 1)")
        step="guest->wire TCP, round $r"; watch=()
        tcp_run in_wire in_g1 10.0.0.1; read -r gw_tcp gw_retr <<<"$fig"
        veth_tcps+=("$veth_tcp") gg_tcps+=("$gg_tcp") gw_tcps+=("$gw_tcp")
        r_tcps+=("$(ratio "$gg_tcp" "$veth_tcp")") r_gws+=("$(ratio "$gw_tcp" "$veth_tcp")")
        line="$line TCP veth $veth_tcp g->g $gg_tcp (${r_tcps[-1]}) g->wire $gw_tcp (${r_gws[-1]}) Gbit/s,"
        line="$line retransmits $veth_retr/$gg_retr/$gw_retr;"
    fi
    step="native xnic pps, round $r"; native_run; natives+=("$fig")
    step="DPDK testpmd 64 B, round $r"; dpdk_run 64; dpdks+=("$fig")
    c_dp+=("$cpu") u_dp+=("$(per_unit "$fig" 1e6)")
    step="pktgen guests, round $r"; watch=("sv-$P1" "sv-$P2" "sv-$DD" "$nic")
    pktgen_run "" ""; read -r pg_pps pg_offer pg_nobuf <<<"$fig"
    c_pg+=("$cpu") u_pg+=("$(per_unit "$pg_pps" 1e6)")
    pgs+=("$pg_pps") r_pgs+=("$(ratio "$pg_pps" "${natives[-1]}")")
    r_dps+=("$(ratio "$pg_pps" "${dpdks[-1]}")")
    line="$line 64 B native ${natives[-1]} DPDK ${dpdks[-1]} pktgen $pg_pps (${r_pgs[-1]}"
    line="$line native, ${r_dps[-1]} DPDK) pps, offered $pg_offer, NIC dropped $pg_nobuf;"
    step="pktgen guests, busy poll, round $r"
    pktgen_run --busy-poll --busy-poll; read -r pb_pps pb_offer pb_nobuf <<<"$fig"
    c_pb+=("$cpu") u_pb+=("$(per_unit "$pb_pps" 1e6)")
    pbs+=("$pb_pps") r_pbs+=("$(ratio "$pb_pps" "$pg_pps")")
    echo "$line busy poll $pb_pps (${r_pbs[-1]} event-driven), offered $pb_offer," \
        "NIC dropped $pb_nobuf"
done
native=$(median "${natives[@]}")
step="veth pps"; watch=(sv-bench-a sv-bench-b)
udp_run in_b in_a 10.99.0.2; veth_pps=$fig c_vu=$cpu u_vu=$(per_unit "$fig" 1e6)
step="guests' ends joined pps"; ends_run; ends_pps=$fig c_eu=$cpu u_eu=$(per_unit "$fig" 1e6)
step="guest->guest pps"; watch=("sv-$G1" "sv-$G2" "sv-$DD" "$nic")
udp_run in_g2 in_g1 10.0.0.12; gg_pps=$fig c_gu=$cpu u_gu=$(per_unit "$fig" 1e6)
step="pktgen guests, busy poll that never sleeps"; watch=("sv-$P1" "sv-$P2" "sv-$DD" "$nic")
pktgen_run "--busy-poll-us 0" "--busy-poll-us 0"; read -r ps_pps _ <<<"$fig"
c_ps=("$cpu") u_ps=("$(per_unit "$ps_pps" 1e6)")
step="DPDK testpmd 1500 B"; dpdk_run 1500; dpdk_big=$fig
step="pktgen guests, 1500 B"; watch=()
pktgen_run "" "--len 1500"; read -r pg_big _ <<<"$fig"
if [ "$only" = all ]; then
    step="multi-queue guests"; mq_up
    watch=("sv-$G1" "sv-$G2" "sv-$DD" "$nic")
    tcp_run in_g2 in_g1 10.0.0.12 -P 4; read -r mq1 mq1_retr <<<"$fig"; c_mq1=$cpu
    watch=("sv-$M1" "sv-$M2" "sv-$DD" "$nic")
    tcp_run in_m2 in_m1 10.0.0.22 -P 4; read -r mq2 mq2_retr <<<"$fig"; c_mq2=$cpu
fi
step=done

pg_pps=$(median "${pgs[@]}") pb_pps=$(median "${pbs[@]}") dpdk=$(median "${dpdks[@]}")
r_pg=$(ratio "$pg_pps" "$native") r_pb=$(ratio "$pb_pps" "$pg_pps")
r_pps=$(ratio "$gg_pps" "$native") r_ggpps=$(ratio "$gg_pps" "$veth_pps")
row='%-44s %12s   %-28s %8s  %s\n'
echo "each side's median over the rounds, their ratio, and the range of the rounds' ratios;" \
    "the rest measured once, against the median native figure"
printf "$row" figure measured baseline ratio range
if [ "$only" = all ]; then
    veth_tcp=$(median "${veth_tcps[@]}") gg_tcp=$(median "${gg_tcps[@]}")
    gw_tcp=$(median "${gw_tcps[@]}") r_tcp=$(ratio "$gg_tcp" "$veth_tcp")
    r_gw=$(ratio "$gw_tcp" "$veth_tcp")
    printf "$row" "TCP guest->guest, Gbit/s" "$gg_tcp" "veth $veth_tcp" "$r_tcp" \
        "$(range "${r_tcps[@]}")"
    printf "$row" "TCP guest->wire, Gbit/s" "$gw_tcp" "veth $veth_tcp" "$r_gw" \
        "$(range "${r_gws[@]}")"
fi
printf "$row" "64 B guest->guest, poll-mode guests, pps" "$pg_pps" \
    "native pool->pool $native" "$r_pg" "$(range "${r_pgs[@]}")"
printf "$row" "64 B ... same, against DPDK, pps" "$pg_pps" "DPDK vhost/virtio $dpdk" \
    "$(ratio "$pg_pps" "$dpdk")" "$(range "${r_dps[@]}")"
printf "$row" "64 B ... same, busy-polling guests, pps" "$pb_pps" "event-driven $pg_pps" \
    "$r_pb" "$(range "${r_pbs[@]}")"
printf "$row" "64 B ... busy polling that never sleeps" "$ps_pps" "event-driven $pg_pps" \
    "$(ratio "$ps_pps" "$pg_pps")"
printf "$row" "1500 B poll-mode guests, pps" "$pg_big" "DPDK vhost/virtio $dpdk_big" \
    "$(ratio "$pg_big" "$dpdk_big")"
printf "$row" "64 B guest->guest, udp-pps via eth0, pps" "$gg_pps" "veth (udp-pps) $veth_pps" \
    "$r_ggpps"
printf "$row" "64 B guest->guest, udp-pps via eth0, pps" "$gg_pps" "native pool->pool $native" "$r_pps"
printf "$row" "64 B guest->guest, udp-pps via eth0, pps" "$gg_pps" "guests' ends joined $ends_pps" \
    "$(ratio "$gg_pps" "$ends_pps")"
printf "$row" "64 B udp-pps, guests' ends joined, pps" "$ends_pps" "veth (udp-pps) $veth_pps" \
    "$(ratio "$ends_pps" "$veth_pps")"
printf "$row" "64 B veth (udp-pps), pps" "$veth_pps" "native pool->pool $native" \
    "$(ratio "$veth_pps" "$native")"
if [ "$only" = all ]; then
    printf "$row" "TCP -P 4 guest->guest, 2 queues, Gbit/s" "$mq2" "1 queue $mq1" \
        "$(ratio "$mq2" "$mq1")" "retransmits $mq2_retr/$mq1_retr"
fi
# CPU: the path's processes (domains, the programs in their namespaces,
# the NIC model; for veth its two namespaces' programs) over a window inside
# each measurement, and beside them the host's softirq time.  A tick in
# softirq counts for the task it interrupted and for that column: veth's
# receive work, run as the sender's system call re-enables bottom halves,
# is in the processes' figure; softirq run while idle, in ksoftirqd or in
# other tasks (the host's other load too) only in the column.  So the
# processes' figure is a lower bound, "with softirq" an upper one.
echo "CPU on each path (medians over the rounds): cores busy (the path's processes + the host's softirq), then per unit"
if [ "$only" = all ]; then
    echo "  TCP guest->guest:  $(cpu_cell c_gg u_gg "cores/Gbit/s")"
    echo "  TCP veth:          $(cpu_cell c_veth u_veth "cores/Gbit/s")"
fi
echo "  64 B pktgen:       $(cpu_cell c_pg u_pg "us/frame")"
echo "  64 B busy poll:    $(cpu_cell c_pb u_pb "us/frame")"
echo "  64 B never sleeps: $(cpu_cell c_ps u_ps "us/frame")"
echo "  64 B DPDK:         $(cpu_cell c_dp u_dp "us/frame")"
c_a=("$c_gu") u_a=("$u_gu") c_b=("$c_vu") u_b=("$u_vu")
echo "  udp-pps via eth0:  $(cpu_cell c_a u_a "us/frame")"
echo "  udp-pps veth:      $(cpu_cell c_b u_b "us/frame")"
c_a=("$c_eu") u_a=("$u_eu")
echo "  udp-pps ends joined: $(cpu_cell c_a u_a "us/frame")"
if [ "$only" = all ]; then
    c_a=("$c_mq1") c_b=("$c_mq2") u_a=("$(cpu=$c_mq1 per_unit "$mq1" 1)") u_b=("$(cpu=$c_mq2 per_unit "$mq2" 1)")
    echo "  TCP -P 4, 1 queue: $(cpu_cell c_a u_a "cores/Gbit/s")"
    echo "  TCP -P 4, 2 queues: $(cpu_cell c_b u_b "cores/Gbit/s")"
fi
echo "each side's best round: 64 B pktgen $(best "${pgs[@]}") against native" \
    "$(best "${natives[@]}") ($(ratio "$(best "${pgs[@]}")" "$(best "${natives[@]}")"))$(
    [ "$only" = all ] && echo "; TCP guest->guest $(best "${gg_tcps[@]}") against veth" \
        "$(best "${veth_tcps[@]}") ($(ratio "$(best "${gg_tcps[@]}")" "$(best "${veth_tcps[@]}")"))")"
# Issue 19's targets, each on the medians above.
if [ "$only" = all ]; then
    echo "target TCP guest->guest >= 0.8x veth:             $(verdict "$r_tcp" 0.8)"
    echo "target TCP guest->wire >= 0.9x veth:              $(verdict "$r_gw" 0.9)"
fi
echo "target 64 B udp-pps guest->guest >= 1.0x veth:     $(verdict "$r_ggpps" 1.0)"
echo "target 64 B poll-mode guests >= 0.7x native:       $(verdict "$r_pg" 0.7)"
echo "target busy-polling guests >= 1.0x event-driven:   $(verdict "$r_pb" 1.0)"
