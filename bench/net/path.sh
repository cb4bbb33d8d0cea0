#!/usr/bin/env bash
# Where a frame's CPU goes on the guest->guest path (issue 19): the split
# system as run.sh boots it, udp-pps (64-byte frames) and then iperf3 from
# guest 1 to guest 2, and over a window inside each, for every process on
# the path (the sending program, guest 1, netdd, the NIC model, guest 2, the
# receiving program): its CPU (utime+stime of all its threads; the kernel
# work of its system calls and of the softirqs they run included), its
# voluntary context switches (sleeps: frames per wake-up) and involuntary
# ones (preemptions), each per frame: for udp-pps per frame that reached
# guest 2's pool (the NIC's counter), for TCP per GSO frame guest 1's
# netfront read (nf0's counter); and for TCP the frames' average sizes at
# both guests' ends (a 64 KiB super-frame read by netfront 1 and handed
# whole to guest 2's eth0 shows as ~64 000 bytes at both).
# Usage: bench/net/path.sh [SECONDS [ROUNDS]]   (root, after make && make
#        tests; needs iperf3)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "bench/net/path.sh: needs root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "bench/net/path.sh: needs iperf3" >&2; exit 1; }
secs=${1:-4}
rounds=${2:-1}
[[ "$secs" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ ]] ||
    { echo "usage: bench/net/path.sh [SECONDS [ROUNDS]]" >&2; exit 2; }
bin=$PWD/build/bin bench=$PWD/build/bench
PF=0000:03:00.0 WIRE=sv-bench-w0 DD=bench-dd G1=bench-g1 G2=bench-g2

source bench/net/lib.sh
bench_begin "sv-$DD" "sv-$G1" "sv-$G2"

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

# "T TIME" then "PID TICKS VOLUNTARY INVOLUNTARY" of each process, all its
# threads summed (read with no process started: forks on a loaded host
# take long enough to skew the window); a process gone is "PID -1 -1 -1".
snap() { # PID...
    local p t l k x u v n
    local -a f
    echo "T $EPOCHREALTIME"
    for p in "$@"; do
        if [ -z "$p" ] || [ ! -d "/proc/$p" ]; then
            echo "${p:-?} -1 -1 -1"
            continue
        fi
        u=0 v=0 n=0
        for t in /proc/"$p"/task/*; do
            { read -r l <"$t/stat"; } 2>/dev/null || continue
            read -r -a f <<<"${l##*) }"
            u=$((u + f[11] + f[12]))
            while read -r k x; do
                case $k in
                voluntary_ctxt_switches:) v=$((v + x)) ;;
                nonvoluntary_ctxt_switches:) n=$((n + x)) ;;
                esac
            done <"$t/status"
        done
        echo "$p $u $v $n"
    done
}

# The table of two snaps over FRAMES frames of UNIT.
per_frame() { # SNAP0 SNAP1 FRAMES UNIT
    paste <(echo "$1") <(echo "$2") | awk -v fr="$3" -v unit="$4" -v hz="$(getconf CLK_TCK)" '
        BEGIN { split("sender guest1 netdd nic guest2 receiver", nm, " ") }
        NR == 1 { dt = $4 - $2; printf "  window %.2f s, %d %s (%.0f a second)\n", dt, fr, unit, fr / dt
                  printf "  %-9s %12s %16s %16s\n", "process", "CPU us/frame", "frames/wake-up", "preempted/frame"; next }
        $2 < 0 || $6 < 0 { printf "  %-9s %12s\n", nm[NR - 1], "(gone)"; gone = 1; next }
        { c = ($6 - $2) * 1e6 / hz / fr; tot += c; w = $7 - $3
          printf "  %-9s %12.2f %16s %16.4f\n", nm[NR - 1], c, (w ? sprintf("%.1f", fr / w) : "-"), ($8 - $4) / fr }
        END { printf "  %-9s %12.2f\n", gone ? "the rest" : "all", tot }'
}

pool_rx() { "$bin/xl" network-list "$G2" | grep -Eo ' rx [0-9]+' | head -1 | awk '{ print $2 }'; }
# "RX_FRAMES RX_BYTES TX_FRAMES TX_BYTES" of nf0 in namespace NS.
nf0_counts() { # NS
    ip -n "$1" -s -o link show nf0 | awk '{ for (i = 1; i <= NF; i++) { if ($i == "RX:") r = i; if ($i == "TX:") t = i }
        print $(r + 9), $(r + 8), $(t + 9), $(t + 8) }'
}

step="hypervisor, driver domain and guests"; split_up
nic=$(ps -o pid=,comm= --ppid "$(cat "$rd/splitvisor.pid")" | awk '$2 == "xnic" { print $1 }')
g1=$(domain_pid "$G1") g2=$(domain_pid "$G2") dd=$(domain_pid "$DD")
echo "bench/net/path: $secs s a window, $rounds rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
    step="udp-pps, round $r"
    serve "$rd/udp-recv.out" in_g2 "$bench/udp-pps" recv --port 9000 --seconds "$((secs + 4))"
    for _ in $(seq 50); do grep -q listening "$rd/udp-recv.out" && break; sleep 0.1; done
    in_g1 "$bench/udp-pps" send --to 10.0.0.12 --port 9000 --seconds "$((secs + 5))" >"$rd/udp-send.out" &
    sender=$!
    sleep 1
    procs=("$(ns_prog "sv-$G1" "$bench/udp-pps send")" "$g1" "$dd" "$nic" "$g2"
        "$(ns_prog "sv-$G2" "$bench/udp-pps recv")")
    f0=$(pool_rx) s0=$(snap "${procs[@]}")
    sleep "$secs"
    s1=$(snap "${procs[@]}") f1=$(pool_rx)
    wait "$sender"
    for _ in $(seq 50); do grep -q rx_pps "$rd/udp-recv.out" && break; sleep 0.1; done
    echo "round $r: 64 B udp-pps guest->guest: offered $(awk '{ print $2 }' "$rd/udp-send.out")," \
        "received $(awk '/rx_pps/ { print $2 }' "$rd/udp-recv.out") frames/s," \
        "load $(cut -d' ' -f1 /proc/loadavg)"
    per_frame "$s0" "$s1" "$((f1 - f0))" "frames into guest 2's pool"

    step="TCP, round $r"
    serve "$rd/iperf3-s.out" in_g2 iperf3 -s -1 -p 5201
    wait_listen in_g2 5201
    in_g1 iperf3 -c 10.0.0.12 -p 5201 -t "$((secs + 4))" -f m >"$rd/iperf3-c.out" &
    client=$!
    sleep 1
    procs=("$(ns_prog "sv-$G1" "iperf3 -c")" "$g1" "$dd" "$nic" "$g2" "$(ns_prog "sv-$G2" "iperf3 -s")")
    c10=$(nf0_counts "sv-$G1") c20=$(nf0_counts "sv-$G2") s0=$(snap "${procs[@]}")
    sleep "$secs"
    s1=$(snap "${procs[@]}") c11=$(nf0_counts "sv-$G1") c21=$(nf0_counts "sv-$G2")
    wait "$client"
    read -r a0 _ <<<"$c10"
    read -r a1 _ <<<"$c11"
    echo "round $r: TCP guest->guest $(awk '/ receiver$/ { for (i = 1; i <= NF; i++)
        if ($i == "Mbits/sec") printf "%.2f", $(i - 1) / 1000 }' "$rd/iperf3-c.out") Gbit/s;" \
        "$(paste <(echo "$c10") <(echo "$c11") <(echo "$c20") <(echo "$c21") | awk '{
            printf "guest 1 nf0 read %d frames of %.0f B on average, guest 2 nf0 handed %d of %.0f B to eth0",
                $5 - $1, ($6 - $2) / ($5 - $1 + !($5 - $1)), $15 - $11, ($16 - $12) / ($15 - $11 + !($15 - $11)) }')"
    per_frame "$s0" "$s1" "$((a1 - a0))" "GSO frames read by guest 1's netfront"
done
