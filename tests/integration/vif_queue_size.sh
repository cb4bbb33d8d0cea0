#!/usr/bin/env bash
# A vif's rx_queue_size= and tx_queue_size= (libvirt's <driver
# rx_queue_size= tx_queue_size=>): xl writes them in the frontend directory
# and the guest's netfront shares that many buffer pages each way instead
# of a ring's worth (253), so a guest costs the hypervisor fewer frames
# (docs/networking.md, "Many guests on one driver domain"); traffic passes.
source "$(dirname "$0")/lib.sh"
require_root
t=$SV_TEST_TAG
sv_start --nic "--wire none"
rd=$SPLITVISOR_RUNDIR
export XENSTORED_PATH=$rd/xenstored/socket

dd=$(sv_netdd "$t-dd")
wait_console "$dd" "PF .* up" >/dev/null || fail "netdd did not start"
g1=$(sv_guest "$t-g1" "$t-dd" "10.34.0.1/24")
g2=$(sv_guest "$t-g2" "$t-dd" "10.34.0.2/24" "rx_queue_size=32,tx_queue_size=24")
F2=/local/domain/$g2/device/vif/0
[ "$(xenstore-read "$F2/rx-queue-size" 2>/dev/null)" = 32 ] || fail "no rx-queue-size in $F2"
[ "$(xenstore-read "$F2/tx-queue-size" 2>/dev/null)" = 24 ] || fail "no tx-queue-size in $F2"
xenstore-exists "/local/domain/$g1/device/vif/0/rx-queue-size" 2>/dev/null &&
    fail "rx-queue-size written for a vif that gives none"
wait_ping "$t-g1" 10.34.0.2
wait_ping "$t-g2" 10.34.0.1
"$BIN/xl" exec "$t-g1" -- ping -c 20 -i 0.05 -s 1400 -W 2 10.34.0.2 >/dev/null ||
    fail "large pings to the guest with 32 receive buffers were lost"
pass "rx-queue-size and tx-queue-size in the frontend directory; traffic passes"

# The frames each guest shares are in its pages (xl domstats' memory_kb: its
# RAM, the same for both, and what it shares): g2 shares 253 - 24 + 253 - 32
# pages fewer.
kb() { "$BIN/xl" domstats "$1" | awk -F'[:,]' '/"memory_kb"/ {print $2 + 0}'; }
diff_kb=$(($(kb "$t-g1") - $(kb "$t-g2")))
[ "$diff_kb" -eq $(((253 - 24 + 253 - 32) * 4)) ] ||
    fail "g2 shares $diff_kb KB less than g1, not $(((253 - 24 + 253 - 32) * 4)) KB"
pass "the guest shares 24 + 32 buffer pages, not 253 + 253"
