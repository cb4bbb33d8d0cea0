#!/usr/bin/env bash
# Where a frame's CPU goes on the paths of issue 19: the split system as
# run.sh boots it, udp-pps (64-byte frames), iperf3 from guest 1 to guest 2,
# over the veth pair (the TCP baseline) and from guest 1 to the wire's
# namespace, the poll-mode guests (run.sh's
# pktgen pair) and the NIC driven natively (xnic-bench pool->pool, 64 B),
# and over a window inside each, for every process on the path (the
# sending program, guest 1, netdd, the NIC model, guest 2 or the wire, the
# receiving program): its CPU (utime+stime of all its threads; the kernel
# work of its system calls and of the softirqs they run included), its
# voluntary context switches (sleeps: frames per wake-up) and involuntary
# ones (preemptions), each per frame: for udp-pps per frame that reached
# guest 2's pool (the NIC's counter), for TCP per GSO frame guest 1's
# netfront read (nf0's counter); and for TCP the frames' average sizes at
# both guests' ends (a 64 KiB super-frame read by netfront 1 and handed
# whole to guest 2's eth0 shows as ~64 000 bytes at both; for the wire, what
# the NIC model wrote to the wire's TAP); for the poll-mode guests and the
# native NIC per frame into the receiving pool.
# Usage: bench/net/path.sh [SECONDS [ROUNDS]]   (root, after make && make
#        tests; needs iperf3; SV_BENCH_PERF=DIR: each window is also
#        sampled by `perf record -p` of its processes into DIR/WINDOW-rN.data;
#        SV_BENCH_NO_IP=1: the guests' vifs without ip=, lib.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "bench/net/path.sh: needs root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "bench/net/path.sh: needs iperf3" >&2; exit 1; }
secs=${1:-4}
rounds=${2:-1}
[[ "$secs" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ ]] ||
    { echo "usage: bench/net/path.sh [SECONDS [ROUNDS]]" >&2; exit 2; }
bin=$PWD/build/bin bench=$PWD/build/bench
# perf takes seconds to start on a loaded host: the programs run on past it.
slack=$([ -n "${SV_BENCH_PERF:-}" ] && echo 8 || echo 0)
PF=0000:03:00.0 WIRE=sv-bench-w0 DD=bench-dd G1=bench-g1 G2=bench-g2 P1=bench-p1 P2=bench-p2

source bench/net/lib.sh
bench_begin "sv-$DD" "sv-$G1" "sv-$G2" "sv-$P1" "sv-$P2"

# A domain's process, from the hypervisor's log.
domain_pid() { # NAME
    awk -v n="($1)" '$7 == n && / created/ { p = $NF } END { print p }' "$rd/splitvisor.log"
}

# The process in namespace NS whose command line holds CMD.
ns_prog() { # NS CMD
    local p c
    for p in $(ip netns pids "$1"); do
        c=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
        [[ "$c" == *"$2"* ]] && echo "$p"
    done | tail -1
}

# "T TIME" then "PID TICKS VOLUNTARY INVOLUNTARY" of each process: its CPU
# from the process's stat (threads that ended included), its context
# switches summed over its live threads (an ended thread's are lost: a
# count that fell shows as negative) (read with no process started: forks
# on a loaded host take long enough to skew the window); a process gone is
# "PID -1 -1 -1".
snap() { # PID...
    local p t l k x u v n
    local -a f
    echo "T $EPOCHREALTIME"
    for p in "$@"; do
        if [ -z "$p" ] || ! { read -r l <"/proc/$p/stat"; } 2>/dev/null; then
            echo "${p:-?} -1 -1 -1"
            continue
        fi
        read -r -a f <<<"${l##*) }"
        u=$((f[11] + f[12])) v=0 n=0
        for t in /proc/"$p"/task/*; do
            while read -r k x; do
                case $k in
                voluntary_ctxt_switches:) v=$((v + x)) ;;
                nonvoluntary_ctxt_switches:) n=$((n + x)) ;;
                esac
            done 2>/dev/null <"$t/status"
        done
        echo "$p $u $v $n"
    done
}

# The table of two snaps over FRAMES frames of UNIT, of the processes NAMES.
per_frame() { # SNAP0 SNAP1 FRAMES UNIT [NAMES]
    paste <(echo "$1") <(echo "$2") | awk -v fr="$3" -v unit="$4" -v hz="$(getconf CLK_TCK)" \
        -v names="${5:-sender guest1 netdd nic guest2 receiver}" '
        BEGIN { split(names, nm, " ") }
        NR == 1 { dt = $4 - $2; printf "  window %.2f s, %d %s (%.0f a second)\n", dt, fr, unit, fr / dt
                  printf "  %-9s %12s %16s %16s\n", "process", "CPU us/frame", "frames/wake-up", "preempted/frame"; next }
        $2 < 0 || $6 < 0 { printf "  %-9s %12s\n", nm[NR - 1], "(gone)"; gone = 1; next }
        { c = ($6 - $2) * 1e6 / hz / fr; tot += c; w = $7 - $3
          printf "  %-9s %12.2f %16s %16.4f\n", nm[NR - 1], c, (w ? sprintf("%.1f", fr / w) : "-"), ($8 - $4) / fr }
        END { printf "  %-9s %12.2f\n", gone ? "the rest" : "all", tot }'
}

pool_rx() { # [DOMAIN]
    "$bin/xl" network-list "${1:-$G2}" | grep -Eo ' rx [0-9]+' | head -1 | awk '{ print $2 }'
}
# The window: SECONDS asleep, or sampled by perf as WINDOW when asked.
window() { # WINDOW PID...
    local name=$1
    shift
    if [ -z "${SV_BENCH_PERF:-}" ]; then
        sleep "$secs"
        return
    fi
    perf record -q -F 1999 -o "$SV_BENCH_PERF/$name-r$r.data" \
        -p "$(printf '%s\n' "$@" | grep -v '^$' | paste -sd,)" -- sleep "$secs" >/dev/null 2>&1
}
# "RX_FRAMES RX_BYTES TX_FRAMES TX_BYTES" of nf0 in namespace NS.
nf0_counts() { # NS
    ip -n "$1" -s -o link show nf0 | awk '{ for (i = 1; i <= NF; i++) { if ($i == "RX:") r = i; if ($i == "TX:") t = i }
        print $(r + 9), $(r + 8), $(t + 9), $(t + 8) }'
}
# iperf3 from CLI_FN's namespace to a server at ADDR in SRV_FN's, running
# on past the window: client (its pid), output in $rd/iperf3-c.out.
iperf_start() { # SRV_FN CLI_FN ADDR
    serve "$rd/iperf3-s.out" "$1" iperf3 -s -1 -p 5201
    wait_listen "$1" 5201
    "$2" iperf3 -c "$3" -p 5201 -t "$((secs + 4 + slack))" -f m >"$rd/iperf3-c.out" &
    client=$!
    sleep 1
}
# The receiver's Gbit/s of the iperf3 client that ended.
iperf_gbits() {
    awk '/ receiver$/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") printf "%.2f", $(i - 1) / 1000 }' \
        "$rd/iperf3-c.out"
}

# Of two readings of counters ("FRAMES BYTES ..."): the frames between
# them, of field I, and "N frames of B B" (the bytes in field I + 1).
count() { # BEFORE AFTER [I]
    paste <(echo "$1") <(echo "$2") | awk -v i="${3:-1}" '{ print $(NF / 2 + i) - $i }'
}
sized() { # BEFORE AFTER [I]
    paste <(echo "$1") <(echo "$2") | awk -v i="${3:-1}" '{ f = $(NF / 2 + i) - $i
        printf "%d frames of %.0f B", f, ($(NF / 2 + i + 1) - $(i + 1)) / (f + !f) }'
}

# "RX_FRAMES RX_BYTES" of the wire's TAP: what the NIC model wrote to it.
wire_counts() {
    ip -n sv-bench-wire -s -o link show "$WIRE" | awk '{ for (i = 1; i <= NF; i++) if ($i == "RX:") r = i
        print $(r + 9), $(r + 8) }'
}

# "TX_FRAMES TX_BYTES" of the veth pair's sending end.
veth_tx() {
    ip -n sv-bench-a -s -o link show sv-bench-va | awk '{ for (i = 1; i <= NF; i++) if ($i == "TX:") t = i
        print $(t + 9), $(t + 8) }'
}

step="veth pair"; veth_up
step="hypervisor, driver domain and guests"; split_up
nic=$(ps -o pid=,comm= --ppid "$(cat "$rd/splitvisor.pid")" | awk '$2 == "xnic" { print $1 }')
g1=$(domain_pid "$G1") g2=$(domain_pid "$G2") dd=$(domain_pid "$DD")
echo "bench/net/path: $secs s a window, $rounds rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
    step="udp-pps, round $r"
    serve "$rd/udp-recv.out" in_g2 "$bench/udp-pps" recv --port 9000 --seconds "$((secs + 4 + slack))"
    for _ in $(seq 50); do grep -q listening "$rd/udp-recv.out" && break; sleep 0.1; done
    in_g1 "$bench/udp-pps" send --to 10.0.0.12 --port 9000 --seconds "$((secs + 5 + slack))" >"$rd/udp-send.out" &
    sender=$!
    sleep 1
    procs=("$(ns_prog "sv-$G1" "$bench/udp-pps send")" "$g1" "$dd" "$nic" "$g2"
        "$(ns_prog "sv-$G2" "$bench/udp-pps recv")")
    f0=$(pool_rx) s0=$(snap "${procs[@]}")
    window udp-pps "${procs[@]}"
    s1=$(snap "${procs[@]}") f1=$(pool_rx)
    wait "$sender"
    for _ in $(seq 50); do grep -q rx_pps "$rd/udp-recv.out" && break; sleep 0.1; done
    echo "round $r: 64 B udp-pps guest->guest: offered $(awk '{ print $2 }' "$rd/udp-send.out")," \
        "received $(awk '/rx_pps/ { print $2 }' "$rd/udp-recv.out") frames/s," \
        "load $(cut -d' ' -f1 /proc/loadavg)"
    per_frame "$s0" "$s1" "$((f1 - f0))" "frames into guest 2's pool"

    step="TCP, round $r"
    iperf_start in_g2 in_g1 10.0.0.12
    procs=("$(ns_prog "sv-$G1" "iperf3 -c")" "$g1" "$dd" "$nic" "$g2" "$(ns_prog "sv-$G2" "iperf3 -s")")
    c10=$(nf0_counts "sv-$G1") c20=$(nf0_counts "sv-$G2") s0=$(snap "${procs[@]}")
    window tcp-gg "${procs[@]}"
    s1=$(snap "${procs[@]}") c11=$(nf0_counts "sv-$G1") c21=$(nf0_counts "sv-$G2")
    wait "$client"
    echo "round $r: TCP guest->guest $(iperf_gbits) Gbit/s; guest 1 nf0 read $(sized "$c10" "$c11")" \
        "on average, guest 2 nf0 handed $(sized "$c20" "$c21" 3) on average to eth0"
    per_frame "$s0" "$s1" "$(count "$c10" "$c11")" "GSO frames read by guest 1's netfront"

    step="TCP veth, round $r"
    iperf_start in_b in_a 10.99.0.2
    procs=("$(ns_prog sv-bench-a "iperf3 -c")" "$(ns_prog sv-bench-b "iperf3 -s")")
    v0=$(veth_tx) s0=$(snap "${procs[@]}")
    window tcp-veth "${procs[@]}"
    s1=$(snap "${procs[@]}") v1=$(veth_tx)
    wait "$client"
    echo "round $r: TCP veth $(iperf_gbits) Gbit/s; the sender's veth sent $(sized "$v0" "$v1") on average"
    per_frame "$s0" "$s1" "$(count "$v0" "$v1")" "GSO frames the sender's veth sent" "sender receiver"

    step="TCP guest->wire, round $r"
    iperf_start in_wire in_g1 10.0.0.1
    procs=("$(ns_prog "sv-$G1" "iperf3 -c")" "$g1" "$dd" "$nic" "$(ns_prog sv-bench-wire "iperf3 -s")")
    c10=$(nf0_counts "sv-$G1") w0=$(wire_counts) s0=$(snap "${procs[@]}")
    window tcp-gw "${procs[@]}"
    s1=$(snap "${procs[@]}") c11=$(nf0_counts "sv-$G1") w1=$(wire_counts)
    wait "$client"
    echo "round $r: TCP guest->wire $(iperf_gbits) Gbit/s; guest 1 nf0 read $(sized "$c10" "$c11")" \
        "on average, the NIC wrote $(sized "$w0" "$w1") on average to the wire TAP"
    per_frame "$s0" "$s1" "$(count "$c10" "$c11")" "GSO frames read by guest 1's netfront" \
        "sender guest1 netdd nic receiver"

    step="poll-mode guests, round $r"
    guest_cfg "$P2" 00:16:3e:be:01:02 64 "--pktgen rx"
    guest_cfg "$P1" 00:16:3e:be:01:01 64 "--pktgen tx --dst-mac 00:16:3e:be:01:02"
    "$bin/xl" create "$rd/$P2.cfg" >/dev/null
    rxid=$("$bin/xl" domid "$P2")
    for _ in $(seq 50); do grep -q "pktgen rx: vif 0 connected" "$rd/console/$rxid.log" && break; sleep 0.1; done
    "$bin/xl" create "$rd/$P1.cfg" >/dev/null
    sleep 1
    procs=("$(domain_pid "$P1")" "$dd" "$nic" "$(domain_pid "$P2")")
    f0=$(pool_rx "$P2") s0=$(snap "${procs[@]}")
    window pktgen "${procs[@]}"
    s1=$(snap "${procs[@]}") f1=$(pool_rx "$P2")
    "$bin/xl" destroy "$P1"
    "$bin/xl" destroy "$P2"
    echo "round $r: 64 B poll-mode guests, load $(cut -d' ' -f1 /proc/loadavg)"
    per_frame "$s0" "$s1" "$((f1 - f0))" "frames into the receiver's pool" "guest-tx netdd nic guest-rx"

    # xnic-bench measures memcpy for SECONDS, then pool->pool 64 B for as long.
    step="native NIC, round $r"
    "$bin/xnic" --control "$rd/xnic-native.sock" --wire none --pools 4 --vfs 0 2>"$rd/xnic-native.log" &
    xpid=$!
    for _ in $(seq 50); do [ -S "$rd/xnic-native.sock" ] && break; sleep 0.1; done
    "$bench/xnic-bench" --control "$rd/xnic-native.sock" --seconds "$((secs + slack))" \
        >"$rd/xnic-bench.out" &
    bpid=$!
    sleep "$((secs + slack)).5"
    procs=("$bpid" "$xpid")
    s0=$(snap "${procs[@]}") t0=$EPOCHREALTIME
    secs=$((secs - 1)) window native "${procs[@]}"
    s1=$(snap "${procs[@]}") t1=$EPOCHREALTIME
    wait "$bpid"
    kill "$xpid"
    wait "$xpid" 2>/dev/null || true
    rate=$(awk '$1 == "pool->pool" && $2 == 64 { print $4 }' "$rd/xnic-bench.out")
    echo "round $r: 64 B native pool->pool $rate frames/s"
    per_frame "$s0" "$s1" "$(awk -v r="$rate" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", r * (b - a) }')" \
        "frames (its rate over the window)" "xnic-bench nic"
done
