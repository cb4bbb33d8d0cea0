#!/usr/bin/env bash
# xnic driven natively (no domains): pool->pool stays inside the NIC, a DMA to
# an unmapped IOVA is blocked, logged and reported while the device keeps
# working, a spoofing VF is dropped and counted, the PF/VF mailbox works, FLR
# during traffic stops DMA, RX into one-page frames mapped in batches.
source "$(dirname "$0")/lib_xnic.sh"
set -e
xnic_start nic --wire none --pools 4 --vfs 2
for scenario in veb fault spoof mailbox flr frames queued; do
    "$NATIVE" --control "$(xnic_ctl nic)" "$scenario"
done
grep -q "iommu fault: 0000:03:00.0 read iova 0x" "$(xnic_log nic)" || {
    echo "fault not in the xnic log"; cat "$(xnic_log nic)"; exit 1; }
echo "xnic log has the fault record"
