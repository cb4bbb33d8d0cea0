#!/usr/bin/env bash
# A vif detached and attached again under the same number (issue 17):
# it connects again (the guest used to keep its old watches, so the new
# vif stayed Initialising), and its NIC counters start at zero although
# it gets the VMDq pool its predecessor had (they used to carry the old
# vif's frames over).
source "$(dirname "$0")/lib.sh"
require_root
sv_use_installed
command -v xenstore-read >/dev/null || skip "needs Debian's xenstore-utils"
t=$SV_TEST_TAG
sv_start --nic "--wire none"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

dd=$(sv_netdd "$t-dd")
a=$(sv_guest "$t-a" "$t-dd" 10.11.0.2/24)
sv_guest "$t-b" "$t-dd" 10.11.0.3/24 >/dev/null
"$BIN/xl" network-attach "$t-a" "backend=$t-dd,ip=10.12.0.2/24"
"$BIN/xl" network-attach "$t-b" "backend=$t-dd,ip=10.12.0.3/24"
wait_ping "$t-a" 10.12.0.3
"$BIN/xl" exec "$t-a" -- ping -q -c 40 -i 0.02 -W 1 10.12.0.3 >/dev/null

# "pool N of BDF rx R tx T ..." of vif 1 of guest a; frames() is R + T.
vif1() { "$BIN/xl" network-list "$t-a" | awk '$1 == 1' | grep -o 'pool [0-9]* .*'; }
frames() { awk '{print $6 + $8}' <<<"$1"; }
before=$(vif1)
[ "$(frames "$before")" -ge 40 ] || fail "vif 1 counted too few frames to tell: $before"

"$BIN/xl" network-detach "$t-a" 1
"$BIN/xl" network-attach "$t-a" "backend=$t-dd,ip=10.12.0.2/24"
[ "$("$BIN/xl" network-list "$t-a" | awk '$1 == 1 {print $3}')" = "$(xenstore-read "/local/domain/$a/device/vif/1/mac")" ] ||
    fail "vif 1 was not attached again: $("$BIN/xl" network-list "$t-a")"
for _ in $(seq 100); do
    [ "$(xenstore-read "/local/domain/$a/device/vif/1/state" 2>/dev/null)" = 4 ] && break
    sleep 0.05
done
state=$(xenstore-read "/local/domain/$a/device/vif/1/state" 2>/dev/null || true)
[ "$state" = 4 ] || fail "vif 1 attached again stays in state $state: $(tail -5 "$SPLITVISOR_RUNDIR/console/$a.log")"
wait_ping "$t-a" 10.12.0.3
pass "a vif detached and attached again under the same number connects"

after=$(vif1)
[ "$(awk '{print $2}' <<<"$after")" = "$(awk '{print $2}' <<<"$before")" ] ||
    skip "vif 1 got another pool ($before, then $after): nothing carried over to look for"
# Only the frames since the attach: a wait_ping's few, and what the guest's
# stack sends by itself; never the 40+ of the detached vif.
[ "$(frames "$after")" -lt 40 ] || fail "vif 1's counters carried over: before '$before', after '$after'"
pass "vif 1's counters start at zero on the same pool ($after; the detached one had $before)"
