#!/usr/bin/env bash
# Two saturating pools, one of small frames and one of large ones, each get
# at least 45% of the bytes the NIC sends (DRR in bytes): measured in the
# order the switch delivered them, with the device polling.
source "$(dirname "$0")/lib_xnic.sh"
set -e
xnic_start nic --wire none --pools 3 --vfs 0 --poll
"$NATIVE" --control "$(xnic_ctl nic)" fair
