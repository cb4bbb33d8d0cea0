#!/usr/bin/env bash
# Two pools saturating the wire each get at least 45% of it (DRR scheduler).
source "$(dirname "$0")/../xnic/lib.sh"
set -e
xnic_start nic --wire none --pools 3 --vfs 0
"$NATIVE" --control "$(xnic_ctl nic)" --seconds 2 fair
