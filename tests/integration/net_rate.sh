#!/usr/bin/env bash
# A vif's rate limits hold in both directions.  What the guest sends: xl's
# rate= (libvirt's <outbound average=>) reaches the backend as libxl writes
# it ("rate" = BYTES,USECS) and netback gives the guest that much credit per
# window (Xen's credit scheme).  What it receives: our rx_rate= (libvirt's
# <inbound average=>; Xen has no key for it) reaches the backend as
# "rx-rate" and netdd shapes the frames toward the guest with the same
# credit, holding the rest in the vif's NIC pool.  iperf3 measures each
# limit within 10%, while each vif's other direction, unlimited, goes well
# past it.
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
c=$(sv_guest "$t-c" "$t-dd" 10.12.0.4/24 "rx_rate=${limit}Mb/s@20ms")
wait_ping "$t-a" 10.12.0.3
wait_ping "$t-b" 10.12.0.2
wait_ping "$t-c" 10.12.0.3
# 20 Mbit/s = 2500000 bytes/s: 50000 bytes per 20 ms window.
rate=$(xenstore-read "/local/domain/$dd/backend/vif/$a/0/rate")
[ "$rate" = "50000,20000" ] || fail "backend rate key '$rate'"
pass "rate=${limit}Mb/s@20ms in the backend as libxl writes it: $rate"
rate=$(xenstore-read "/local/domain/$dd/backend/vif/$c/0/rx-rate")
[ "$rate" = "50000,20000" ] || fail "backend rx-rate key '$rate'"
xenstore-read "/local/domain/$dd/backend/vif/$c/0/rate" >/dev/null 2>&1 \
    && fail "an RX limit wrote a TX rate"
pass "rx_rate=${limit}Mb/s@20ms in the backend: rx-rate $rate"

within() { rate_within "$1" "$limit"; }
past() { rate_past "$1" "$limit"; }

sv_iperf "$t-a" "$t-b" 10.12.0.3 -t 5
within "$SV_IPERF_RATE" || fail "the limited guest sent $SV_IPERF_RATE Mbit/s, not ${limit} +-10%"
pass "the TX-limited guest sends $SV_IPERF_RATE Mbit/s (limit $limit)"
sv_iperf "$t-b" "$t-a" 10.12.0.2 -t 2
past "$SV_IPERF_RATE" || fail "the TX-limited guest only received $SV_IPERF_RATE Mbit/s"
pass "what it receives, not limited: $SV_IPERF_RATE Mbit/s"

sv_iperf "$t-b" "$t-c" 10.12.0.4 -t 5
within "$SV_IPERF_RATE" || fail "the RX-limited guest received $SV_IPERF_RATE Mbit/s, not ${limit} +-10%"
pass "the RX-limited guest receives $SV_IPERF_RATE Mbit/s (limit $limit)"
sv_iperf "$t-c" "$t-b" 10.12.0.3 -t 2
past "$SV_IPERF_RATE" || fail "the RX-limited guest only sent $SV_IPERF_RATE Mbit/s"
pass "what it sends, not limited: $SV_IPERF_RATE Mbit/s"
