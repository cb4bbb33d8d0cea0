#!/usr/bin/env bash
# netdd --tx-copybreak 0: the NIC reads every TX packet of the guests in
# place, through read-only device-mapped grants in the PF's IOMMU context (no
# copy in the driver domain; by default only packets over 2 KiB go so);
# traffic flows both ways with no IOMMU fault.  The guests' vifs have no
# addresses configured (the guests set their own): a vif with some is read
# by copy, so that its IP anti-spoofing checks what the NIC sends.
source "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "needs iperf3"
t=$SV_TEST_TAG
sv_start --nic "--wire none"

sv_netdd "$t-dd" "--tx-copybreak 0" >/dev/null
for g in a:2 b:3; do
    cfg=$SPLITVISOR_RUNDIR/$t-${g%:*}.cfg
    printf 'name = "%s"\nmemory = 64\nkernel = "%s"\nvif = [ "backend=%s" ]\n' \
        "$t-${g%:*}" "$BIN/guest" "$t-dd" >"$cfg"
    "$BIN/xl" create "$cfg" >/dev/null
    wait_console "$("$BIN/xl" domid "$t-${g%:*}")" "connected to" >/dev/null
    "$BIN/xl" exec "$t-${g%:*}" -- ip addr add "10.15.0.${g#*:}/24" dev eth0
done
grep -q "TX packets over 0 bytes read in place" "$SPLITVISOR_RUNDIR/console/1.log" ||
    fail "netdd not in zero-copy mode"
wait_ping "$t-a" 10.15.0.3
wait_ping "$t-b" 10.15.0.2
sv_iperf "$t-a" "$t-b" 10.15.0.3 -t 2
echo "iperf3: $SV_IPERF_RATE Mbit/s"
"$BIN/xl" dmesg | grep -q "IOMMU fault" && fail "IOMMU faults: $("$BIN/xl" dmesg | grep fault | head -3)"
pass "zero-copy TX through device-mapped grants: ping both ways, iperf3, no IOMMU fault"
