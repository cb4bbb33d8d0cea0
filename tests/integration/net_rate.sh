#!/usr/bin/env bash
# A vif's rate limit holds: xl's rate= (libvirt's <outbound average=>)
# reaches the backend as libxl writes it ("rate" = BYTES,USECS) and netback
# gives the guest that much credit per window (Xen's credit scheme), so
# iperf3 from the limited guest measures the rate within 10%, while the
# other direction, unlimited, goes well past it.
source "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "needs iperf3"
t=$SV_TEST_TAG
sv_start --nic "--wire none"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

limit=20 # Mbit/s
dd=$(sv_netdd "$t-dd")
a=$(sv_guest "$t-a" "$t-dd" 10.12.0.2/24 "rate=${limit}Mb/s@20ms")
b=$(sv_guest "$t-b" "$t-dd" 10.12.0.3/24)
wait_ping "$t-a" 10.12.0.3
wait_ping "$t-b" 10.12.0.2
# 20 Mbit/s = 2500000 bytes/s: 50000 bytes per 20 ms window.
rate=$(xenstore-read "/local/domain/$dd/backend/vif/$a/0/rate")
[ "$rate" = "50000,20000" ] || fail "backend rate key '$rate'"
pass "rate=${limit}Mb/s@20ms in the backend as libxl writes it: $rate"

sv_iperf "$t-a" "$t-b" 10.12.0.3 -t 5
awk -v r="$SV_IPERF_RATE" -v l="$limit" 'BEGIN {exit !(r >= 0.9 * l && r <= 1.1 * l)}' \
    || fail "the limited guest sent $SV_IPERF_RATE Mbit/s, not ${limit} +-10%"
pass "the limited guest sends $SV_IPERF_RATE Mbit/s (limit $limit)"
sv_iperf "$t-b" "$t-a" 10.12.0.2 -t 2
awk -v r="$SV_IPERF_RATE" -v l="$limit" 'BEGIN {exit !(r > 2 * l)}' \
    || fail "the unlimited direction only got $SV_IPERF_RATE Mbit/s"
pass "the other direction, not limited: $SV_IPERF_RATE Mbit/s"
