#!/usr/bin/env bash
# A vif's receive rate limit on netdd's software switch, where pool 0 is
# shared: netdd shapes it by holding copies of what is over the credit in
# the port's own queue (a VMDq pool holds them in its RX ring instead,
# net_rate.sh).  The NIC has two pools: b, created first, gets pool 1; c
# (rx_rate=) and d (none) share pool 0 through the switch.  What c sends
# goes well past the limit; iperf3 into c, from b through the NIC and from
# d inside the switch, measures the limit within 10% over 6 s (the first
# two seconds, TCP's slow start into the shaper's queue, omitted: 14.5
# Mbit/s in a first second where the next ones gave 18.8; the credit
# counts whole frames, so TCP's payload is ~95% of it); into d, beside c
# on the same switch, goes well past it.  A policer (dropping what was
# over) gave 5.7 Mbit/s.
source "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "needs iperf3"
t=$SV_TEST_TAG
sv_start --nic "--wire none --pools 2 --vfs 0"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

limit=20 # Mbit/s
dd=$(sv_netdd "$t-dd")
guest() { # NAME IP [VIF-KEYS]: created once the previous guest has connected
    local d
    d=$(sv_guest "$@")
    wait_console "$d" "connected to" >/dev/null
    echo "$d"
}
guest "$t-b" "$t-dd" 10.13.0.3/24 >/dev/null
c=$(guest "$t-c" "$t-dd" 10.13.0.4/24 "rx_rate=${limit}Mb/s@20ms")
guest "$t-d" "$t-dd" 10.13.0.5/24 >/dev/null
for g in b:"pool 1" c:"software switch" d:"software switch"; do
    "$BIN/xl" network-list "$t-${g%%:*}" | grep -q "${g#*:}" \
        || fail "${g%%:*} is not on ${g#*:}: $("$BIN/xl" network-list "$t-${g%%:*}")"
done
wait_ping "$t-b" 10.13.0.4
wait_ping "$t-d" 10.13.0.4
wait_ping "$t-b" 10.13.0.5
rate=$(xenstore-read "/local/domain/$dd/backend/vif/$c/0/rx-rate")
[ "$rate" = "50000,20000" ] || fail "backend rx-rate key '$rate'"
pass "b on pool 1, c (rx-rate $rate) and d on the software switch"

within() { rate_within "$1" "$limit"; }
past() { rate_past "$1" "$limit"; }

# What c sends first: right after traffic shaped into c, c's own sending
# was seen slow (8-30 Mbit/s over 2 s; 43.7 then 20.2 a second in a
# manual run), as net_rate.sh's pool case once gave 74: not explained yet.
sv_iperf "$t-c" "$t-b" 10.13.0.3 -t 2
past "$SV_IPERF_RATE" || fail "the RX-limited guest only sent $SV_IPERF_RATE Mbit/s"
pass "what c sends, not limited: $SV_IPERF_RATE Mbit/s"
sv_iperf "$t-b" "$t-c" 10.13.0.4 -t 8 -O 2
within "$SV_IPERF_RATE" || fail "c received $SV_IPERF_RATE Mbit/s from b's pool, not ${limit} +-10%"
pass "the RX-limited guest on the switch receives $SV_IPERF_RATE Mbit/s from a pool (limit $limit)"
sv_iperf "$t-d" "$t-c" 10.13.0.4 -t 8 -O 2
within "$SV_IPERF_RATE" || fail "c received $SV_IPERF_RATE Mbit/s from d on the switch, not ${limit} +-10%"
pass "and $SV_IPERF_RATE Mbit/s from another vif of the switch"
sv_iperf "$t-b" "$t-d" 10.13.0.5 -t 2
past "$SV_IPERF_RATE" || fail "d, beside c on the switch, only received $SV_IPERF_RATE Mbit/s"
pass "d beside it, not limited: $SV_IPERF_RATE Mbit/s"
