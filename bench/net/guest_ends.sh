#!/usr/bin/env bash
# The ceiling of udp-pps with packet sockets at both guests' ends (issue
# 19): two namespaces whose eth0s are veths, their peers joined by one relay
# process, nothing between: no rings, no driver domain, no NIC model.  The
# relay in two modes (guest-io relay): recvmmsg on one peer as netfront's
# TX, sendmmsg on the other as netfront's RX; and --ring, a PACKET_MMAP
# TPACKET_V3 RX ring copied into a TPACKET_V2 TX ring with one send(NULL)
# a batch.  Beside them in every round, the same udp-pps over a plain veth
# pair (run.sh's baseline).  Prints each round's rates and CPU (cores busy,
# us a delivered frame, the host's softirq apart), then the medians'
# ratios: what the guest's end alone leaves of the veth pair's rate.
# Usage: bench/net/guest_ends.sh [SECONDS [ROUNDS]]   (root, after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "bench/net/guest_ends.sh: needs root" >&2; exit 1; }
secs=${1:-5}
rounds=${2:-3}
[[ "$secs" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ ]] ||
    { echo "usage: bench/net/guest_ends.sh [SECONDS [ROUNDS]]" >&2; exit 2; }
bin=$PWD/build/bin bench=$PWD/build/bench # bin: the cleanup's splitvisor stop

source bench/net/lib.sh
bench_begin sv-gend-a sv-gend-b sv-gend-r
veth_up
ends_up

# A relay's line: its rate, the ratio to this round's veth, the CPU of the
# three namespaces and of the relay alone.
relay_line() { # NAME FIG CPU RATIO
    printf '; %s %s pps (%s), %s; relay alone %s' "$1" "$2" "$4" \
        "$(awk -v c="$3" -v f="$2" 'BEGIN { split(c, a, " ");
            printf "%.2f cores + softirq %.2f, %.2f us/frame", a[1], a[2], a[1] * 1e6 / f }')" \
        "$(awk '{ printf "%s frames/s, %s ns CPU/frame, %s calls/frame, dropped %s in + %s out",
            $1, $2, $3, $4, $5 }' <<<"$relay")"
}

veths=() socks=() rings=() sratios=() rratios=()
echo "bench/net/guest_ends: $secs s a figure, $rounds rounds, $(nproc) cores," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
    step="veth, round $r"; watch=(sv-bench-a sv-bench-b)
    udp_run in_b in_a 10.99.0.2; veth=$fig
    printf 'round %d: veth %s pps, %s' "$r" "$veth" "$(awk -v c="$cpu" -v f="$veth" 'BEGIN {
        split(c, a, " "); printf "%.2f cores + softirq %.2f, %.2f us/frame", a[1], a[2], a[1] * 1e6 / f }')"
    step="relay mmsg, round $r"; ends_run
    socks+=("$fig") sratios+=("$(ratio "$fig" "$veth")")
    relay_line "mmsg" "$fig" "$cpu" "${sratios[-1]}"
    step="relay ring, round $r"; ends_run --ring
    rings+=("$fig") rratios+=("$(ratio "$fig" "$veth")")
    relay_line "ring" "$fig" "$cpu" "${rratios[-1]}"
    veths+=("$veth")
    echo
done
echo "medians: veth $(median "${veths[@]}"), both guests' ends joined:" \
    "recvmmsg/sendmmsg $(median "${socks[@]}")" \
    "$(ratio "$(median "${socks[@]}")" "$(median "${veths[@]}")")x veth" \
    "(rounds $(range "${sratios[@]}")), PACKET_MMAP rings $(median "${rings[@]}")" \
    "$(ratio "$(median "${rings[@]}")" "$(median "${veths[@]}")")x veth" \
    "(rounds $(range "${rratios[@]}"))"
