#!/usr/bin/env bash
# A guest grants its vif's rings and buffers to a new backend as soon as it
# follows it, before the driver domain runs (docs/networking.md, "Driver
# domain restart"): with the driver domain paused the guest's 508 pages are
# already shared to it.  Those grants go when that backend goes without
# ever having connected, and a connect that finds them shared ahead works.
source "$(dirname "$0")/lib.sh"
require_root
command -v xenstore-read >/dev/null || skip "needs Debian's xenstore-utils"
t=$SV_TEST_TAG
sv_start --nic "--wire none"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket
POOL_FRAMES=508 # TX and RX rings, 2 x 253 buffers (frontends/vif_front.c)

frames() { "$BIN/xl" info | awk '$1 == "shared_frames" {print $3}'; }

# Waits until shared_frames is at least $1; prints it.
wait_frames() {
    local want=$1 i n
    for ((i = 0; i < 100; i++)); do
        n=$(frames)
        [ "$n" -ge "$want" ] && { echo "$n"; return 0; }
        sleep 0.05
    done
    fail "shared frames stayed at $n, not $want or more"
}

# The driver domain, created paused: it never writes InitWait.
dd=$(sv_netdd_paused "$t-dd")
f0=$(frames)
a=$(sv_guest "$t-a" "$t-dd" 10.19.0.2/24)
wait_console "$a" "vif 0: backend /local/domain/$dd/" >/dev/null
f1=$(wait_frames $((f0 + POOL_FRAMES)))
state=$(xenstore-read "/local/domain/$a/device/vif/0/state")
[ "$state" != 4 ] || fail "guest $a connected to a paused driver domain"
pass "the guest shared its vif's pages ($((f1 - f0)) frames) with driver domain $dd while it was paused"

# The backend goes without having connected: what was shared ahead is unshared.
"$BIN/xl" destroy "$t-dd"
wait_console "$a" "vif 0: no backend" >/dev/null
for ((i = 0; i < 100; i++)); do
    [ "$(frames)" -le $((f1 - POOL_FRAMES)) ] && break
    sleep 0.05
done
[ "$(frames)" -le $((f1 - POOL_FRAMES)) ] || fail "shared frames $(frames) after the backend went, not $((f1 - POOL_FRAMES))"
pass "the pages shared ahead were unshared when that driver domain went"

# A running driver domain: the guest connects with the pages shared ahead.
sv_netdd "$t-dd" >/dev/null
sv_guest "$t-b" "$t-dd" 10.19.0.3/24 >/dev/null
wait_ping "$t-a" 10.19.0.3
pass "a vif connects over pages shared before its backend ran"
