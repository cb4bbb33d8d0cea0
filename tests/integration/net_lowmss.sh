#!/usr/bin/env bash
# TCP with an MSS the NIC does not cut (Linux sends down to MSS 48, 36 bytes
# a segment with timestamps; the NIC's floor is 64) gets through: netdd
# cuts those GSO packets in software, within the sender's TX budget, and
# counts them (soft-tso in the backend directory).  Before, the NIC refused
# each packet and the connection stalled.  The senders' route to the others
# has a locked MTU of 88 (MSS 48).  Paths: pool to pool (a -> b, without
# timestamps: 48-byte segments), and software switch to pool (c -> a, with
# them: 36 bytes; pool 0, then the NIC).  Meanwhile two other guests' pings
# (c -> d, on the switch) stay within P99_OVER_BASE_MS of the same pings
# with no such sender.
source "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "needs iperf3"
t=$SV_TEST_TAG
sv_start --nic "--wire none --pools 3 --vfs 0"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

dd=$(sv_netdd "$t-dd")
guest() { sv_guest_up "$1" "$t-dd" "$2"; }
guest "$t-a" 10.18.0.2/24
guest "$t-b" 10.18.0.3/24
guest "$t-c" 10.18.0.4/24
guest "$t-d" 10.18.0.5/24
for g in a:"pool 1" b:"pool 2" c:"software switch" d:"software switch"; do
    "$BIN/xl" network-list "$t-${g%%:*}" | grep -q "${g#*:}" ||
        fail "${g%%:*} is not on ${g#*:}: $("$BIN/xl" network-list "$t-${g%%:*}")"
done
wait_ping "$t-a" 10.18.0.3
wait_ping "$t-c" 10.18.0.2
wait_ping "$t-c" 10.18.0.5

# Senders a and c: a path MTU of 88 (locked) is MSS 48; a sends without
# timestamps (segments of 48 bytes), c with them (they take 12: 36 bytes).
# Linux 6 advertises no MSS under 88, so the receiver's advmss cannot make
# one this small.
for g in a c; do
    "$BIN/xl" exec "$t-$g" -- ip route replace 10.18.0.0/24 dev eth0 mtu lock 88
done
"$BIN/xl" exec "$t-a" -- sysctl -qw net.ipv4.tcp_timestamps=0
soft_tso() { # GUEST -> "packets N segments M" of its vif, or nothing
    xenstore-read "/local/domain/$dd/backend/vif/$("$BIN/xl" domid "$t-$1")/0/soft-tso" \
        2>/dev/null || true
}
segments() { soft_tso "$1" | awk '{n = $4} END {print n + 0}'; }
wait_segments() { # GUEST MORE-THAN: netdd publishes every second
    local i
    for ((i = 0; i < 30; i++)); do
        [ "$(segments "$1")" -gt "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

for path in "a b 10.18.0.3 48 pool to pool" "c a 10.18.0.2 36 switch to pool"; do
    read -r from to ip seg what <<<"$path"
    before=$(segments "$from")
    sv_iperf "$t-$from" "$t-$to" "$ip" -t 2 -l 64K
    wait_segments "$from" "$before" || fail "$what: no segments counted ($(soft_tso "$from"))"
    pass "$what, MSS 48 ($seg-byte segments): $SV_IPERF_RATE Mbit/s; netdd cut $(soft_tso "$from")"
done

# p99 of 300 pings c -> d every 10 ms (a lost one counts as too slow).
ping_p99() {
    local out got
    out=$("$BIN/xl" exec "$t-c" -- ping -c 300 -i 0.01 -W 1 10.18.0.5 2>&1 || true)
    got=$(grep -c "bytes from" <<<"$out" || true)
    (grep -o "time=[0-9.]*" <<<"$out" | cut -d= -f2; for ((k = got; k < 300; k++)); do echo 1e9; done) |
        sort -g | sed -n 297p
}
P99_OVER_BASE_MS=50
base=$(ping_p99)
"$BIN/xl" exec "$t-b" -- iperf3 -s -1 -D --logfile "$SPLITVISOR_RUNDIR/iperf-flood.log"
sleep 0.5
"$BIN/xl" exec "$t-a" -- iperf3 -c 10.18.0.3 -t 8 -l 64K >"$SPLITVISOR_RUNDIR/flood.out" 2>&1 &
flood=$!
sv_on_exit "kill $flood 2>/dev/null || true"
sleep 1
before=$(segments a)
during=$(ping_p99)
wait "$flood" || fail "the MSS-48 sender failed: $(tail -3 "$SPLITVISOR_RUNDIR/flood.out")"
wait_segments a "$before" || fail "no segments counted while the pings ran"
awk -v d="$during" -v b="$base" -v o=$P99_OVER_BASE_MS 'BEGIN {exit !(d < b + o)}' ||
    fail "c -> d p99 $during ms while a sent MSS-48 TCP, $base ms before"
pass "c -> d p99 round trip $during ms while a sent MSS-48 TCP for 8 s ($base ms before;" \
    "load $(cut -d' ' -f1 /proc/loadavg))"
