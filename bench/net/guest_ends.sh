#!/usr/bin/env bash
# The ceiling of udp-pps with packet sockets at both guests' ends (issue
# 19): two namespaces whose eth0s are veths, their peers joined by one relay
# process (guest-io relay: recvmmsg on one peer as netfront's TX, sendmmsg
# on the other as netfront's RX), nothing between: no rings, no driver
# domain, no NIC model.  Beside it in every round, the same udp-pps over a
# plain veth pair (run.sh's baseline).  Prints each round's rates and CPU
# (cores busy, us a delivered frame, the host's softirq apart), then the
# medians' ratio: what the guest's end alone leaves of the veth pair's rate.
# Usage: bench/net/guest_ends.sh [SECONDS [ROUNDS]]   (root, after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "bench/net/guest_ends.sh: needs root" >&2; exit 1; }
secs=${1:-5}
rounds=${2:-3}
[[ "$secs" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ ]] ||
    { echo "usage: bench/net/guest_ends.sh [SECONDS [ROUNDS]]" >&2; exit 2; }
bin=$PWD/build/bin bench=$PWD/build/bench # bin: the cleanup's splitvisor stop
NS_A=sv-gend-a NS_B=sv-gend-b NS_R=sv-gend-r

source bench/net/lib.sh
bench_begin $NS_A $NS_B $NS_R
in_ga() { ip netns exec $NS_A "$@"; }
in_gb() { ip netns exec $NS_B "$@"; }

veth_up
for ns in $NS_A $NS_B $NS_R; do ip netns add "$ns"; made_ns+=("$ns"); done
# Each guest's eth0 and its peer nfD, as xl makes them, the peers in the
# relay's namespace.
ip link add eth0 netns $NS_A type veth peer name nfa netns $NS_R
ip link add eth0 netns $NS_B type veth peer name nfb netns $NS_R
ip -n $NS_A addr add 10.98.0.1/24 dev eth0
ip -n $NS_B addr add 10.98.0.2/24 dev eth0
for ns in $NS_A $NS_B; do ip -n "$ns" link set eth0 up; done
for dev in nfa nfb; do ip -n $NS_R link set $dev up; done
# The relay carries one way only: no ARP.
ip -n $NS_A neigh replace 10.98.0.2 dev eth0 \
    lladdr "$(ip -n $NS_B -br link show eth0 | awk '{ print $3 }')"

veths=() relays=() ratios=()
echo "bench/net/guest_ends: $secs s a figure, $rounds rounds, $(nproc) cores," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
    step="veth, round $r"; watch=(sv-bench-a sv-bench-b)
    udp_run in_b in_a 10.99.0.2; veth=$fig vcpu=$cpu
    step="relay, round $r"; watch=("$NS_A" "$NS_B" "$NS_R")
    ip netns exec $NS_R "$bench/guest-io" relay --dev nfa --to nfb --seconds "$((secs + 3))" \
        >"$rd/relay.out" 2>&1 &
    relay_pid=$!
    for _ in $(seq 50); do grep -q ready "$rd/relay.out" && break; sleep 0.1; done
    udp_run in_gb in_ga 10.98.0.2; relay=$fig rcpu=$cpu
    wait "$relay_pid"
    veths+=("$veth") relays+=("$relay") ratios+=("$(ratio "$relay" "$veth")")
    printf 'round %d: veth %s pps, %s; relayed %s pps (%s), %s; relay alone %s\n' "$r" \
        "$veth" "$(awk -v c="$vcpu" -v f="$veth" 'BEGIN { split(c, a, " ");
            printf "%.2f cores + softirq %.2f, %.2f us/frame", a[1], a[2], a[1] * 1e6 / f }')" \
        "$relay" "${ratios[-1]}" "$(awk -v c="$rcpu" -v f="$relay" 'BEGIN { split(c, a, " ");
            printf "%.2f cores + softirq %.2f, %.2f us/frame", a[1], a[2], a[1] * 1e6 / f }')" \
        "$(awk '$1 == "frames_per_s" { printf "%s frames/s, %s ns CPU/frame, %s calls/frame", $2, $4, $6 }' "$rd/relay.out")"
done
echo "medians: veth $(median "${veths[@]}"), both guests' ends joined $(median "${relays[@]}"):" \
    "$(ratio "$(median "${relays[@]}")" "$(median "${veths[@]}")")x veth" \
    "(rounds $(range "${ratios[@]}"))"
