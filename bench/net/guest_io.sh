#!/usr/bin/env bash
# The guest's end of the path alone (issue 19): a relay process standing in
# for netfront's (guest-io) against the guest's kernel, through the
# multi-queue TAP with vnet headers vif_front.c uses, and through a packet
# socket on the far end of a veth pair, with a PACKET_MMAP ring (ring,
# ring-v2) or batched calls (sock: recvmmsg, sendmmsg); side by side in
# each round.
#   programs -> relay  (netfront's TX): udp-pps send out of eth0, the relay takes
#                                       every frame (TAP readv, an RX ring, recvmmsg)
#   relay -> programs  (netfront's RX): the relay hands 64-byte UDP frames to eth0
#                                       (TAP writev, the TX ring, sendmmsg), udp-pps recv
# Prints per round and way: the rate, the relay's CPU, system calls and
# wake-ups per frame; then each other way's rate against the TAP's; and the
# RX rings' latency (kernel timestamp to relay) at full rate and at 100
# frames/s, for TPACKET_V3 blocks and for TPACKET_V2 slots that hold a
# 64 KiB GSO frame.
# Usage: bench/net/guest_io.sh [SECONDS [ROUNDS]]   (root, after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "bench/net/guest_io.sh: needs root" >&2; exit 1; }
secs=${1:-5}
rounds=${2:-3}
[[ "$secs" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ ]] ||
    { echo "usage: bench/net/guest_io.sh [SECONDS [ROUNDS]]" >&2; exit 2; }
bench=$PWD/build/bench
NS_T=sv-gio-tap NS_V=sv-gio-veth
PEER_MAC=02:00:00:00:00:02 # the relay's side of the link (netfront's MAC)
made_ns=()
rd=$(mktemp -d /tmp/sv-gio.XXXXXX)

cleanup() {
    local rc=$? p ns
    for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for ns in "${made_ns[@]}"; do ip netns delete "$ns" 2>/dev/null || true; done
    [ $rc -eq 0 ] || tail -5 "$rd"/*.out >&2 2>/dev/null || true
    rm -rf "$rd"
    exit $rc
}
trap cleanup EXIT
trap "exit 130" INT TERM

for ns in $NS_T $NS_V; do
    if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
        echo "bench/net/guest_io.sh: namespace $ns exists (another run, or leftovers)" >&2
        exit 1
    fi
    ip netns add $ns; made_ns+=($ns)
done
# The guest's eth0 as today: a TAP the relay attaches to.
ip -n $NS_T tuntap add dev eth0 mode tap vnet_hdr multi_queue
# The candidate: eth0 a veth whose peer nf0 carries the relay's rings.
ip -n $NS_V link add eth0 type veth peer name nf0
ip -n $NS_V link set nf0 up
for ns in $NS_T $NS_V; do
    ip -n $ns addr add 10.98.0.1/24 dev eth0
    ip -n $ns link set eth0 up
    ip -n $ns neigh replace 10.98.0.2 lladdr $PEER_MAC dev eth0
done

wait_for() { # WORD FILE
    for _ in $(seq 50); do grep -q "$1" "$2" && return 0; sleep 0.1; done
    echo "no '$1' in $2" >&2
    return 1
}

# programs -> relay: fig="FRAMES/S CPU_NS SYSCALLS WAKEUPS OFFERED"
to_relay() { # NS DEV VIA
    local out=$rd/rx-$3.out
    ip netns exec "$1" "$bench/guest-io" rx --dev "$2" --via "$3" --seconds "$secs" >"$out" 2>&1 &
    wait_for ready "$out"
    ip netns exec "$1" "$bench/udp-pps" send --to 10.98.0.2 --port 9000 \
        --seconds "$((secs + 1))" >"$rd/send.out"
    wait
    fig="$(awk '$1 == "frames_per_s" { print $2, $4, $6, $8 }' "$out") $(awk '$1 == "tx_pps" { print $2 }' "$rd/send.out")"
    lat=$(awk '$9 == "latency_us_mean" { print $10 " / " $12 }' "$out")
}

# A ring's RX latency when frames come one at a time (a ping every 10 ms,
# unanswered): lat="MEAN / MAX" in us.  V3's block timer decides it.
sparse_latency() { # VIA
    local out=$rd/rx-sparse-$1.out
    ip netns exec $NS_V "$bench/guest-io" rx --dev nf0 --via "$1" --seconds "$secs" >"$out" 2>&1 &
    wait_for ready "$out"
    ip netns exec $NS_V ping -q -i 0.01 -w "$((secs - 1))" 10.98.0.2 >/dev/null 2>&1 || true
    wait
    lat=$(awk '$9 == "latency_us_mean" { print $10 " / " $12 }' "$out")
}

# relay -> programs: fig="DELIVERED/S CPU_NS SYSCALLS WAKEUPS OFFERED"
from_relay() { # NS DEV VIA
    local out=$rd/tx-$3.out mac
    mac=$(ip -n "$1" -br link show eth0 | awk '{ print $3 }')
    ip netns exec "$1" "$bench/udp-pps" recv --port 9000 --seconds "$secs" >"$rd/recv.out" 2>&1 &
    wait_for listening "$rd/recv.out"
    ip netns exec "$1" "$bench/guest-io" tx --dev "$2" --via "$3" --dst-mac "$mac" \
        --src-ip 10.98.0.2 --dst-ip 10.98.0.1 --seconds "$((secs + 1))" >"$out" 2>&1
    wait
    fig="$(awk '$1 == "rx_pps" { print $2 }' "$rd/recv.out") $(awk '$1 == "frames_per_s" { print $4, $6, $8, $2 }' "$out")"
}

row='%-26s %-7s %10s %10s %9s %9s %10s\n'
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "bench/net/guest_io: $secs s a figure, $rounds rounds, $(nproc) cores," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "$row" way via "frames/s" "offered" "cpu ns/f" "calls/f" "wakeups/f"
for r in $(seq "$rounds"); do
    # programs -> relay: the TAP, the V3 ring, the V2 ring with big slots,
    # recvmmsg.
    name="round $r, to_relay"
    to_relay $NS_T eth0 tap; read -r tap_pps tap_cpu tap_calls tap_wake tap_off <<<"$fig"
    printf "$row" "$name" tap "$tap_pps" "$tap_off" "$tap_cpu" "$tap_calls" "$tap_wake"
    for via in ring ring-v2 sock; do
        lat=
        to_relay $NS_V nf0 $via; read -r pps cpu calls wake off <<<"$fig"
        printf "$row" "$name" $via "$pps" "$off" "$cpu" "$calls" "$wake"
        echo "  $via / tap: rate $(ratio "$pps" "$tap_pps"), relay CPU per frame" \
            "$(ratio "$cpu" "$tap_cpu")${lat:+; RX latency, mean / max: $lat us}"
    done
    # relay -> programs: the TAP, the V2 TX ring, sendmmsg.
    name="round $r, from_relay"
    from_relay $NS_T eth0 tap; read -r tap_pps tap_cpu tap_calls tap_wake tap_off <<<"$fig"
    printf "$row" "$name" tap "$tap_pps" "$tap_off" "$tap_cpu" "$tap_calls" "$tap_wake"
    for via in ring sock; do
        from_relay $NS_V nf0 $via; read -r pps cpu calls wake off <<<"$fig"
        printf "$row" "$name" $via "$pps" "$off" "$cpu" "$calls" "$wake"
        echo "  $via / tap: rate $(ratio "$pps" "$tap_pps"), relay CPU per frame $(ratio "$cpu" "$tap_cpu")"
    done
done
for via in ring ring-v2; do
    sparse_latency $via
    echo "$via RX latency at 100 frames/s (ping), mean / max: $lat us"
done
