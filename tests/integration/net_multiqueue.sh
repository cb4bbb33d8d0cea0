#!/usr/bin/env bash
# Multi-queue vifs: guests whose vifs have queues=4 connect with four netif
# queues (multi-queue-num-queues and queue-N/ keys in xenstore), each on its
# own queue pair of the vif's VMDq pool; parallel TCP flows are spread over
# the receiving pool's queues by the NIC's RSS and over the sending pool's by
# the guest kernel's multi-queue veth (a packet socket per queue); a guest that maps a control ring and
# sets a mapping table gets exactly that steering in the NIC (and hash extras
# on its frames); a guest that asks for one queue gets one; a 4-queue vif
# beyond the pools, on netdd's software switch, works too.
source "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "needs iperf3"
command -v xenstore-read >/dev/null || skip "needs xenstore-utils"
t=$SV_TEST_TAG
sv_start --nic "--wire none --pools 4 --queues-per-pool 4"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

# guest NAME IP/PREFIX [GUEST ARGS] -> domid: a vif with queues=4.
guest() { sv_guest "$1" "$t-dd" "$2" queues=4 "${3:-}"; }

# The per-queue counters of a guest's vif 0: "rx" or "tx" -> "n0 n1 n2 n3".
queue_counts() {
    "$BIN/xl" network-list "$1" | awk -v d="$2" 'NR == 2 {
        for (i = 1; i < NF; i++) if ($i == "queues") { s = (d == "rx") ? $(i + 2) : $(i + 4) }
        gsub("/", " ", s); print s }'
}

# How many of the counts are above a threshold.
busy_queues() { tr ' ' '\n' <<<"$1" | awk -v m="$2" '$1 > m {n++} END {print n + 0}'; }

dd=$(sv_netdd "$t-dd")
a=$(guest "$t-a" 10.21.0.2/24)
b=$(guest "$t-b" 10.21.0.3/24 "--rss-table 2,3")
c=$(guest "$t-c" 10.21.0.4/24 "--max-queues 1")
wait_ping "$t-a" 10.21.0.3
wait_ping "$t-c" 10.21.0.2
pass "three guests with multi-queue vifs reach each other"

# Pools 1..3 are taken: a fourth vif goes to the software switch, where
# netdd picks the RX queue by hash.
d=$(guest "$t-d" 10.21.0.5/24)
wait_ping "$t-d" 10.21.0.2
[ "$(xenstore-read "/local/domain/$dd/backend/vif/$d/0/steering")" = "software switch" ] \
    || fail "d is not on the software switch"
[ "$(xenstore-read "/local/domain/$d/device/vif/0/multi-queue-num-queues")" = 4 ] \
    || fail "d did not take 4 queues on the switch"
sv_iperf "$t-a" "$t-d" 10.21.0.5 -t 2 -P 4
pass "a 4-queue vif on the software switch ($SV_IPERF_RATE Mbit/s with 4 flows)"

fe=/local/domain/$a/device/vif/0
be=/local/domain/$dd/backend/vif/$a/0
[ "$(xenstore-read "$be/multi-queue-max-queues")" = 4 ] || fail "backend offers $(xenstore-read "$be/multi-queue-max-queues") queues"
[ "$(xenstore-read "$fe/multi-queue-num-queues")" = 4 ] || fail "frontend did not take 4 queues"
for q in 0 1 2 3; do
    xenstore-read "$fe/queue-$q/tx-ring-ref" "$fe/queue-$q/rx-ring-ref" >/dev/null \
        || fail "no rings in $fe/queue-$q"
    xenstore-read "$fe/queue-$q/event-channel-tx" >/dev/null || xenstore-read "$fe/queue-$q/event-channel" >/dev/null \
        || fail "no event channel in $fe/queue-$q"
done
xenstore-read "$fe/tx-ring-ref" >/dev/null 2>&1 && fail "flat ring keys beside queue-N/"
[ "$(xenstore-read "/local/domain/$dd/backend/vif/$a/0/state")" = 4 ] || fail "backend of a not Connected"
pass "xenstore: multi-queue-max-queues 4, multi-queue-num-queues 4, queue-0..3 keys"

fc=/local/domain/$c/device/vif/0
xenstore-read "$fc/multi-queue-num-queues" >/dev/null 2>&1 && fail "c asked for $(xenstore-read "$fc/multi-queue-num-queues") queues"
xenstore-read "$fc/tx-ring-ref" >/dev/null || fail "c has no flat ring keys"
[ "$(xenstore-read "/local/domain/$dd/backend/vif/$c/0/state")" = 4 ] || fail "backend of c not Connected"
[ -z "$(queue_counts "$t-c" rx)" ] || fail "c has several queue pairs: $("$BIN/xl" network-list "$t-c")"
pass "a frontend asking for 1 queue gets 1 (flat keys, one queue pair)"

# b -> a: a's pool receives 8 flows; RSS spreads them over its queues.
sv_iperf "$t-b" "$t-a" 10.21.0.2 -t 3 -P 8
echo "iperf3 -P 8 b -> a: $SV_IPERF_RATE Mbit/s"
rx=$(queue_counts "$t-a" rx)
echo "a's pool, RX frames per queue pair: $rx"
[ "$(busy_queues "$rx" 100)" -ge 2 ] || fail "a received on fewer than 2 queue pairs: $rx"
tx=$(queue_counts "$t-b" tx)
echo "b's pool, TX frames per queue pair: $tx"
[ "$(busy_queues "$tx" 100)" -ge 2 ] || fail "b sent on fewer than 2 queue pairs: $tx"
pass "8 TCP flows spread over the receiving pool's queues (RSS) and the sender's (veth queues)"

# a -> b: b asked over its control ring for the table {2, 3}: every TCP
# frame lands on queue pair 2 or 3 of its pool, none on 1.
before=$(queue_counts "$t-b" rx)
sv_iperf "$t-a" "$t-b" 10.21.0.3 -t 3 -P 8
rx=$(queue_counts "$t-b" rx)
echo "b's pool, RX frames per queue pair: before $before, after $rx"
read -r b0 b1 b2 b3 <<<"$before"
read -r r0 r1 r2 r3 <<<"$rx"
[ $((r1 - b1)) -eq 0 ] || fail "queue pair 1 of b received $((r1 - b1)) frames despite the table"
[ $((r2 - b2)) -gt 100 ] && [ $((r3 - b3)) -gt 100 ] || fail "b's table {2, 3} not followed: $before -> $rx"
wait_console "$b" "ctrl ring: Toeplitz hashing on, 2-entry" >/dev/null
wait_console "$b" "frames arrive with their Toeplitz hash" >/dev/null
pass "the control ring's mapping table drives the NIC's RSS; frames carry hash extras"

[ "$("$BIN/xl" domid "$t-dd")" = "$dd" ] || fail "netdd restarted"
console_of "$dd" | grep -Eq "misbehaved|ERROR: AddressSanitizer|runtime error" && fail "netdd: $(console_of "$dd")"
pass "netdd served it all without a complaint"
