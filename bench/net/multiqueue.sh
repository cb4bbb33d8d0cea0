#!/usr/bin/env bash
# Multi-queue vifs against single-queue ones, in one run: iperf3 with 8
# parallel flows (SECONDS each, ROUNDS rounds) between two guests whose vifs
# have 4 netif queues (4 queue pairs of their pools, RSS in the NIC), beside
# the same between two guests whose vifs have 1 queue, on the same NIC and
# driver domain; prints each round and the ratio.
# Usage: bench/net/multiqueue.sh [SECONDS [ROUNDS]]   (root, after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "bench/net/multiqueue.sh: needs root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "bench/net/multiqueue.sh: needs iperf3" >&2; exit 1; }
secs=${1:-5}
rounds=${2:-3}
bin=$PWD/build/bin
t=mqbench$$
SPLITVISOR_RUNDIR=$(mktemp -d /tmp/sv-bench.XXXXXX)
export SPLITVISOR_RUNDIR

cleanup() {
    "$bin/splitvisor" stop >/dev/null 2>&1 || true
    rm -rf "$SPLITVISOR_RUNDIR"
    for ns in $(ip netns list | awk '{print $1}' | grep "^sv-$t-" || true); do
        ip netns delete "$ns" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 1' INT TERM PIPE

"$bin/splitvisor" start --nic "--wire none --pools 5 --queues-per-pool 4" >/dev/null
printf 'name = "%s"\nmemory = 256\nkernel = "%s"\ndriver_domain = 1\npci = [ "0000:03:00.0" ]\n' \
    "$t-dd" "$bin/netdd" >"$SPLITVISOR_RUNDIR/dd.cfg"
"$bin/xl" pci-assignable-add 0000:03:00.0
"$bin/xl" create "$SPLITVISOR_RUNDIR/dd.cfg" >/dev/null

guest() { # NAME IP QUEUES
    printf 'name = "%s"\nmemory = 96\nkernel = "%s"\nvif = [ "backend=%s,ip=%s/24,queues=%s" ]\n' \
        "$1" "$bin/guest" "$t-dd" "$2" "$3" >"$SPLITVISOR_RUNDIR/$1.cfg"
    "$bin/xl" create "$SPLITVISOR_RUNDIR/$1.cfg" >/dev/null
}
reach() { # FROM IP
    for _ in $(seq 40); do
        "$bin/xl" exec "$1" -- ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
        sleep 0.25
    done
    echo "bench/net/multiqueue.sh: $1 cannot reach $2" >&2
    exit 1
}
tcp() { # FROM TO IP -> Mbit/s
    "$bin/xl" exec "$2" -- iperf3 -s -1 -D >/dev/null
    sleep 0.5
    "$bin/xl" exec "$1" -- iperf3 -c "$3" -t "$secs" -P 8 -f m | awk '/SUM.*receiver/ {print $6}'
}

guest "$t-a1" 10.41.0.2 1
guest "$t-b1" 10.41.0.3 1
guest "$t-a4" 10.41.0.4 4
guest "$t-b4" 10.41.0.5 4
reach "$t-a1" 10.41.0.3
reach "$t-a4" 10.41.0.5
echo "iperf3 -P 8 guest -> guest, ${secs} s: 4-queue vifs beside 1-queue vifs"
for i in $(seq "$rounds"); do
    one=$(tcp "$t-a1" "$t-b1" 10.41.0.3)
    four=$(tcp "$t-a4" "$t-b4" 10.41.0.5)
    echo "round $i: 4 queues $four Mbit/s   baseline 1 queue $one Mbit/s   ratio" \
        "$(awk -v a="$four" -v b="$one" 'BEGIN {printf "%.2f", a / b}')"
done
