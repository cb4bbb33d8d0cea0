# What the networking benchmarks share (sourced by bench/net/*.sh): servers
# as jobs of the caller's shell, TCP and 64-byte measurements, the veth and
# native xnic baselines, and arithmetic on figures.  The caller sets rd (its
# run directory), secs (seconds a figure), bin and bench (the build's bin/
# and bench/), made_ns (namespaces its cleanup deletes), and ends the jobs.

# The start of a run: refuses when one of our namespaces or NS... exists
# (another run, or leftovers), makes the run directory and sets the traps.
bench_begin() { # NS...
    local ns
    for ns in sv-bench-a sv-bench-b sv-bench-wire "$@"; do
        if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
            echo "$0: namespace $ns exists (another run, or leftovers)" >&2
            exit 1
        fi
    done
    SPLITVISOR_RUNDIR=$(mktemp -d /tmp/sv-bench.XXXXXX)
    export SPLITVISOR_RUNDIR
    rd=$SPLITVISOR_RUNDIR
    made_ns=() watch=()
    step=setup
    trap bench_cleanup EXIT
    trap "exit 130" INT TERM
}

# Ways into the veth pair's ends and the namespace the NIC's wire TAP goes to.
in_a()    { ip netns exec sv-bench-a "$@"; }
in_b()    { ip netns exec sv-bench-b "$@"; }
in_wire() { ip netns exec sv-bench-wire "$@"; }

# The EXIT trap: ends our jobs and the hypervisor, releases the hugepages,
# deletes made_ns and rd, and on failure shows what was being done ($step)
# and the logs.
bench_cleanup() {
    local rc=$? p ns
    # Our background processes still running (jobs -p: never a reused pid).
    for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    dpdk_release
    "$bin/splitvisor" stop >/dev/null 2>&1 || true
    for ns in "${made_ns[@]}"; do ip netns delete "$ns" 2>/dev/null || true; done
    if [ $rc -ne 0 ]; then
        echo "--- $0 failed during: $step; hypervisor log:" >&2
        tail -20 "$rd/splitvisor.log" >&2 2>/dev/null || true
        for f in "$rd"/console/*.log "$rd"/*.out; do
            [ -f "$f" ] && { echo "--- $f" >&2; tail -10 "$f" >&2; }
        done
    fi
    rm -rf "$rd"
    exit $rc
}

# Runs a server in the background (a job of this shell, which the cleanup ends).
serve() { # OUTFILE FN ARGS...
    local out=$1; shift
    "$@" >"$out" 2>&1 &
}

# Waits for a TCP listener on PORT as seen from FN's namespace.
wait_listen() { # FN PORT
    for _ in $(seq 50); do
        "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
        sleep 0.1
    done
    echo "no listener on port $2 ($1)" >&2
    return 1
}

# The measuring functions run in this shell (not in $(...)), so that the
# servers they start are this shell's jobs; each leaves its result in fig.

# CPU on a path: the processes of namespaces and pids, and the host's
# softirq time.  A measurement started with the array watch set (namespace
# names, pids) leaves cpu="PROC_CORES SOFTIRQ_CORES" (CPU seconds a second
# over a window inside it: every thread's utime+stime of the processes
# there when the window opens, then /proc/stat's irq+softirq of all CPUs,
# which includes the host's other load), and "- -" with watch empty.

# The pids of namespaces / pids ARGS.
watch_pids() { # NS|PID ...
    local a
    for a in "$@"; do
        if [[ "$a" =~ ^[0-9]+$ ]]; then echo "$a"; else ip netns pids "$a" 2>/dev/null || true; fi
    done | sort -u
}

# "TIME SOFTIRQ_TICKS" then "PID TICKS" (utime+stime) of each of PIDS still
# there, with no process started (a sample is a few reads, however loaded
# the host: finding the pids is not).
ticks_sample() { # PID ...
    local p st f
    read -r _ _ _ _ _ _ f st _ </proc/stat
    echo "$EPOCHREALTIME $((f + st))"
    for p in "$@"; do
        { read -r st <"/proc/$p/stat"; } 2>/dev/null || continue
        read -r -a f <<<"${st##*) }"
        echo "$p $((f[11] + f[12]))"
    done
}

# Sleeps until T (seconds, as $EPOCHREALTIME), if it is still to come.
sleep_until() { # T
    sleep "$(awk -v t="$1" -v now="$EPOCHREALTIME" 'BEGIN { print (t > now ? t - now : 0) }')"
}

# Samples ARGS' ticks and the softirq ticks at FROM and TO (times as
# $EPOCHREALTIME: a job started on a loaded host runs late, and a window
# counted from its own start slid past the end of what it measured):
# "PROC_CORES SOFTIRQ_CORES" on stdout.  Run as a job (cpu_watch_start).
cpu_watch() { # FROM TO NS|PID ...
    local to=$2 pids
    sleep_until "$1"
    shift 2
    pids=$(watch_pids "$@")
    # shellcheck disable=SC2086 # one pid a word
    ticks_sample $pids >"$rd/ticks0"
    sleep_until "$to"
    # shellcheck disable=SC2086
    ticks_sample $pids >"$rd/ticks1"
    awk -v hz="$(getconf CLK_TCK)" 'FNR == 1 { t[FILENAME] = $1; s[FILENAME] = $2; next }
        NR == FNR { c[$1] = $2; next }
        $1 in c { d += $2 - c[$1] }
        END { dt = t[ARGV[2]] - t[ARGV[1]];
              printf "%.3f %.3f\n", d / hz / dt, (s[ARGV[2]] - s[ARGV[1]]) / hz / dt }' \
        "$rd/ticks0" "$rd/ticks1"
}

# Starts cpu_watch on the watch array for a measurement of SECONDS (its
# window: from a second in to a second before the end); cpu_watch_end
# waits for it and sets cpu.
cpu_watch_start() { # SECONDS
    watch_pid=
    [ "${#watch[@]}" -gt 0 ] || return 0
    cpu_watch "$(awk -v t="$EPOCHREALTIME" 'BEGIN { printf "%.6f", t + 1 }')" \
        "$(awk -v t="$EPOCHREALTIME" -v s="$1" 'BEGIN { printf "%.6f", t + (s > 3 ? s - 1 : 2) }')" \
        "${watch[@]}" >"$rd/cpu.out" &
    watch_pid=$!
}
cpu_watch_end() {
    cpu="- -"
    [ -n "$watch_pid" ] || return 0
    wait "$watch_pid"
    cpu=$(cat "$rd/cpu.out")
}

# TCP from SRV_FN's iperf3 server to CLI_FN's client: fig="GBIT/S RETRANSMITS"
# (the receiver's rate, the sender's retransmitted segments; with -P N, the
# sums), and cpu (above).
tcp_run() { # SRV_FN CLI_FN ADDR [IPERF3_CLIENT_ARGS...]
    local out=$rd/iperf3-$1.out srv=$1 cli=$2 addr=$3
    shift 3
    serve "$out" "$srv" iperf3 -s -1 -p 5201
    wait_listen "$srv" 5201
    cpu_watch_start "$secs"
    fig=$("$cli" iperf3 -c "$addr" -p 5201 -t "$secs" -f m "$@" | awk '
        / sender$/   { retr = $(NF - 1) }
        / receiver$/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") mbps = $(i - 1) }
        END { if (mbps != "") printf "%.2f %d\n", mbps / 1000, retr }')
    cpu_watch_end
    [ -n "$fig" ] || { echo "iperf3 to $addr gave no figure" >&2; return 1; }
}

# 64-byte frames per second received by RX_FN from TX_FN's udp-pps sender:
# fig, and cpu (above).
udp_run() { # RX_FN TX_FN ADDR
    local out=$rd/udp-pps-$1.out
    serve "$out" "$1" "$bench/udp-pps" recv --port 9000 --seconds "$secs"
    for _ in $(seq 50); do grep -q listening "$out" && break; sleep 0.1; done
    cpu_watch_start "$secs"
    "$2" "$bench/udp-pps" send --to "$3" --port 9000 --seconds "$((secs + 1))" >/dev/null
    cpu_watch_end
    for _ in $(seq 50); do grep -q rx_pps "$out" && break; sleep 0.1; done
    fig=$(awk '/rx_pps/ { print $2 }' "$out")
    [ -n "$fig" ] || { echo "udp-pps to $3 gave no figure" >&2; return 1; }
}

# The split system of run.sh and path.sh: the caller sets PF (the NIC's PF),
# WIRE (its wire TAP's name), DD, G1 and G2 (the driver domain's and the two
# guests' names; the hypervisor names their namespaces sv-<name>).

# Ways into the guests' namespaces.
in_g1()   { "$bin/xl" exec "$G1" -- "$@"; }
in_g2()   { "$bin/xl" exec "$G2" -- "$@"; }

# A guest's description: guest_cfg NAME MAC MEMORY [EXTRA] [IP/PREFIX] [QUEUES]
# -> $rd/NAME.cfg (QUEUES: netif queues and as many vcpus)
guest_cfg() {
    cat >"$rd/$1.cfg" <<CFG
name = "$1"
memory = $3
${6:+vcpus = $6}
kernel = "$bin/guest"
extra = "${4:-}"
vif = [ 'mac=$2,backend=$DD${5:+,ip=$5}${6:+,queues=$6}' ]
CFG
}

# A guest's ip= (netdd lets its vif send from that address only, and so
# copies every frame it checks), or none with SV_BENCH_NO_IP=1: split_up
# then gives eth0 the address itself, and the NIC reads large frames in
# place (docs/networking.md, IP anti-spoofing).
guest_ip() { [ -n "${SV_BENCH_NO_IP:-}" ] || echo "$1"; }

write_cfgs() {
    cat >"$rd/dd.cfg" <<CFG
name = "$DD"
memory = 256
vcpus = 2
kernel = "$bin/netdd"
extra = "${NETDD_ARGS:-}"
driver_domain = 1
pci = [ '$PF' ]
CFG
    guest_cfg "$G1" 00:16:3e:be:00:01 128 "" "$(guest_ip 10.0.0.11/24)"
    guest_cfg "$G2" 00:16:3e:be:00:02 128 "" "$(guest_ip 10.0.0.12/24)"
}

# Hypervisor, NIC, driver domain and two guests, once the guests reach each
# other and the wire.
split_up() {
    write_cfgs
    ip netns add sv-bench-wire; made_ns+=(sv-bench-wire)
    "$bin/splitvisor" start --nic "--wire tap:$WIRE" >/dev/null
    "$bin/xl" pci-assignable-add "$PF"
    "$bin/xl" create "$rd/dd.cfg" >/dev/null
    "$bin/xl" create "$rd/$G1.cfg" >/dev/null
    "$bin/xl" create "$rd/$G2.cfg" >/dev/null
    if [ -n "${SV_BENCH_NO_IP:-}" ]; then
        ip -n "sv-$G1" addr add 10.0.0.11/24 dev eth0
        ip -n "sv-$G2" addr add 10.0.0.12/24 dev eth0
    fi
    ip link set "$WIRE" netns sv-bench-wire
    ip -n sv-bench-wire addr add 10.0.0.1/24 dev "$WIRE"
    ip -n sv-bench-wire link set "$WIRE" up
    for _ in $(seq 10); do
        in_g1 ping -c 1 -W 1 10.0.0.12 >/dev/null 2>&1 && in_g1 ping -c 1 -W 1 10.0.0.1 \
            >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "guests cannot reach each other or the wire" >&2
    return 1
}

veth_up() {
    ip netns add sv-bench-a; made_ns+=(sv-bench-a)
    ip netns add sv-bench-b; made_ns+=(sv-bench-b)
    ip link add sv-bench-va netns sv-bench-a type veth peer name sv-bench-vb netns sv-bench-b
    ip -n sv-bench-a addr add 10.99.0.1/24 dev sv-bench-va
    ip -n sv-bench-b addr add 10.99.0.2/24 dev sv-bench-vb
    ip -n sv-bench-a link set sv-bench-va up
    ip -n sv-bench-b link set sv-bench-vb up
}

# Both guests' ends joined with nothing between (guest_ends.sh, run.sh):
# namespaces sv-gend-a and sv-gend-b, each with an eth0 veth as xl makes a
# guest's, their peers nfa and nfb in sv-gend-r, where guest-io relays nfa
# to nfb as netfront's TX and RX would, with no rings, driver domain or NIC
# model between.  The caller passes the three to bench_begin.
in_ga() { ip netns exec sv-gend-a "$@"; }
in_gb() { ip netns exec sv-gend-b "$@"; }

ends_up() {
    local ns
    for ns in sv-gend-a sv-gend-b sv-gend-r; do ip netns add "$ns"; made_ns+=("$ns"); done
    ip link add eth0 netns sv-gend-a type veth peer name nfa netns sv-gend-r
    ip link add eth0 netns sv-gend-b type veth peer name nfb netns sv-gend-r
    ip -n sv-gend-a addr add 10.98.0.1/24 dev eth0
    ip -n sv-gend-b addr add 10.98.0.2/24 dev eth0
    for ns in sv-gend-a sv-gend-b; do ip -n "$ns" link set eth0 up; done
    ip -n sv-gend-r link set nfa up
    ip -n sv-gend-r link set nfb up
    # The relay carries one way only: no ARP.
    ip -n sv-gend-a neigh replace 10.98.0.2 dev eth0 \
        lladdr "$(ip -n sv-gend-b -br link show eth0 | awk '{ print $3 }')"
}

# udp-pps from sv-gend-a to sv-gend-b through the relay (its options, e.g.
# --ring, as arguments): fig and cpu (the three namespaces' processes), as
# udp_run; relay="FRAMES/S CPU_NS CALLS IN_DROPS OUT_FULL" of the relay
# alone (its rate over its own longer run; guest_io.c says what the drops
# are).
ends_run() {
    local pid
    ip netns exec sv-gend-r "$bench/guest-io" relay --dev nfa --to nfb --seconds "$((secs + 3))" \
        "$@" >"$rd/relay.out" 2>&1 &
    pid=$!
    for _ in $(seq 50); do grep -q ready "$rd/relay.out" && break; sleep 0.1; done
    watch=(sv-gend-a sv-gend-b sv-gend-r)
    udp_run in_gb in_ga 10.98.0.2
    wait "$pid"
    relay=$(awk '$1 == "frames_per_s" { print $2, $4, $6, $10, $12 }' "$rd/relay.out")
}

# The xnic alone, driven by one process: pool->pool 64-byte frames per second: fig.
native_run() {
    local ctl=$rd/xnic-native.sock out=$rd/xnic-bench.out xpid
    "$bin/xnic" --control "$ctl" --wire none --pools 4 --vfs 0 2>"$rd/xnic-native.log" &
    xpid=$!
    for _ in $(seq 50); do [ -S "$ctl" ] && break; sleep 0.1; done
    "$bench/xnic-bench" --control "$ctl" --seconds "$secs" >"$out"
    kill "$xpid"
    wait "$xpid" 2>/dev/null || true
    fig=$(awk '$1 == "pool->pool" && $2 == 64 { print $4 }' "$out")
    [ -n "$fig" ] || { echo "xnic-bench gave no figure" >&2; return 1; }
}

# The median of its arguments (numbers).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { printf "%.15g\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# The largest of its arguments (numbers).
best() { printf '%s\n' "$@" | sort -g | tail -1; }

# "LOW-HIGH" of its arguments (numbers).
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }

# "FIGURE BASELINE" -> ratio with 3 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", (b > 0 ? a / b : 0) }'; }


# DPDK's vhost-user <-> virtio-user pair (Debian's dpdk): dpdk-testpmd as a
# vhost-user backend in rxonly mode, a second one as its virtio-user
# frontend in txonly mode, each with one forwarding core (lcores 1 and 0)
# spinning, on hugepages of the script's own: DPDK's own figure for two
# poll-mode processes sharing memory on this machine.  dpdk_up starts them
# idle; dpdk_run LEN measures; the cleanup (bench_cleanup) ends them and
# releases the pages.
DPDK_MB=128 # hugepage memory per testpmd
hugepages_orig= huge_mnt=

dpdk_check() {
    command -v dpdk-testpmd >/dev/null && command -v stdbuf >/dev/null && return 0
    echo "$0: needs dpdk-testpmd for the DPDK baseline: apt-get install dpdk" >&2
    exit 1
}

# 2 MB pages for both testpmds on a hugetlbfs of our own under rd; released
# (the count as it was, the mount gone) by dpdk_release.
hugepages_up() {
    local want=$((2 * DPDK_MB / 2 + 16))
    hugepages_orig=$(cat /proc/sys/vm/nr_hugepages)
    echo $((hugepages_orig + want)) >/proc/sys/vm/nr_hugepages
    if [ "$(awk '/^HugePages_Free/ { print $2 }' /proc/meminfo)" -lt "$want" ]; then
        echo "$0: cannot reserve $want 2 MB hugepages" >&2
        return 1
    fi
    mkdir "$rd/huge"
    mount -t hugetlbfs -o pagesize=2M nodev "$rd/huge"
    huge_mnt=$rd/huge
}

# After the testpmds ended: the pages, the mount and DPDK's run files.
dpdk_release() {
    if [ -n "$huge_mnt" ]; then umount "$huge_mnt" 2>/dev/null || true; fi
    if [ -n "$hugepages_orig" ]; then echo "$hugepages_orig" >/proc/sys/vm/nr_hugepages; fi
    rm -rf /var/run/dpdk/sv-bench-dpdk-vhost-$$ /var/run/dpdk/sv-bench-dpdk-virtio-$$
    huge_mnt= hugepages_orig=
}

# One testpmd reading commands from fd FD (a fifo), its main lcore (the
# command line) on MAIN and its forwarding lcore on the other CPU of 0,1:
# testpmd NAME FD MAIN VDEV MODE.  (EAL's main lcore is the lowest listed
# unless --main-lcore says otherwise: without it both testpmds forwarded on
# CPU 1, taking turns.)
testpmd() {
    mkfifo "$rd/$1.in"
    eval "exec $2<>\"\$rd/\$1.in\""
    stdbuf -oL dpdk-testpmd -l 0,1 --main-lcore "$3" --no-pci --single-file-segments \
        --iova-mode=va \
        --huge-dir "$huge_mnt" --file-prefix "sv-bench-$1-$$" -m "$DPDK_MB" --vdev "$4" -- \
        -i --forward-mode="$5" --nb-cores=1 --total-num-mbufs=16384 \
        <"$rd/$1.in" >"$rd/$1.out" 2>&1 &
}

# Waits until testpmd NAME's output has more than N lines matching RE.
testpmd_wait() { # NAME RE N
    for _ in $(seq 300); do
        [ "$(grep -c "$2" "$rd/$1.out" || true)" -gt "$3" ] && return 0
        sleep 0.1
    done
    echo "dpdk-testpmd $1 did not answer ($2)" >&2
    return 1
}

dpdk_up() {
    hugepages_up
    testpmd dpdk-vhost 7 0 "net_vhost0,iface=$rd/vhost.sock,queues=1" rxonly
    dpdk_vhost_pid=$!
    for _ in $(seq 300); do [ -S "$rd/vhost.sock" ] && break; sleep 0.1; done
    testpmd dpdk-virtio 8 1 "net_virtio_user0,path=$rd/vhost.sock,queues=1" txonly
    dpdk_virtio_pid=$!
    testpmd_wait dpdk-vhost 'testpmd>' 0
    testpmd_wait dpdk-virtio 'testpmd>' 0
}

# LEN-byte frames a second the vhost side received from the virtio side
# over SECONDS (after a second's warm-up): fig, and cpu of the two testpmds.
dpdk_run() { # LEN
    local n
    echo "set txpkts $1" >&8
    echo start >&7
    echo start >&8
    sleep 1
    n=$(grep -c Rx-pps "$rd/dpdk-vhost.out" || true)
    echo "show port stats 0" >&7
    testpmd_wait dpdk-vhost Rx-pps "$n"
    watch=("$dpdk_vhost_pid" "$dpdk_virtio_pid")
    cpu_watch_start "$((secs + 2))"
    sleep "$secs"
    echo "show port stats 0" >&7
    testpmd_wait dpdk-vhost Rx-pps "$((n + 1))"
    cpu_watch_end
    echo stop >&8
    echo stop >&7
    fig=$(awk '/Rx-pps/ { v = $2 } END { print v }' "$rd/dpdk-vhost.out")
    [ "${fig:-0}" -gt 0 ] || { echo "dpdk-testpmd gave no figure" >&2; return 1; }
}
