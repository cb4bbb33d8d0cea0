#!/usr/bin/env bash
# netdd --grant-cache 8: the persistent mappings hold only 8 pages, so the
# frontend's other buffers are grant-copied by the hypervisor instead of
# mapped; traffic flows both ways all the same.  (--tx-copybreak 65536: every
# TX packet is copied too, none read by the NIC through device mappings.)
source "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "needs iperf3"
t=$SV_TEST_TAG
sv_start --nic "--wire none"

sv_netdd "$t-dd" "--grant-cache 8 --tx-copybreak 65536" >/dev/null
sv_guest "$t-a" "$t-dd" 10.16.0.2/24 >/dev/null
sv_guest "$t-b" "$t-dd" 10.16.0.3/24 >/dev/null
wait_ping "$t-a" 10.16.0.3
wait_ping "$t-b" 10.16.0.2
sv_iperf "$t-a" "$t-b" 10.16.0.3 -t 2
echo "iperf3: $SV_IPERF_RATE Mbit/s"
maps=$("$BIN/xl" info | awk '/^grant_maps/ {print $3}')
# Per vif 8 cached pages and 2 rings, plus xenstored's 3 domain rings.
[ "$maps" -le 23 ] || fail "$maps grant mappings held with a cache of 8"
pass "a grant cache of 8 pages: the rest is grant-copied, traffic flows ($maps mappings held)"
