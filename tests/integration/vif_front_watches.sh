#!/usr/bin/env bash
# A guest's vif re-pointed at its backend many times (what xl does at each
# driver-domain restart) keeps one watch on the backend's state, not one
# more per re-plug: past the domain's 128-watch quota a leaked watch would
# leave the vif deaf to the backend it follows.  The backend here is played
# by dom0 in an idle domain's backend directory.
source "$(dirname "$0")/lib.sh"
require_root
command -v xenstore-write >/dev/null || skip "needs Debian's xenstore-utils"
sv_start
t=$SV_TEST_TAG
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

be=$(sv_create "$t-be" sleep)
g=$(sv_guest "$t-g" "$t-be" 10.77.0.1/24)
F=/local/domain/$g/device/vif/0
B=$(xenstore-read "$F/backend")

# Waits until the guest's console shows PATTERN N times.
wait_count() {
    local pattern=$1 n=$2 i
    for ((i = 0; i < 500; i++)); do
        [ "$(console_of "$g" | grep -c "$pattern")" -ge "$n" ] && return 0
        sleep 0.01
    done
    fail "the guest never followed its backend key (wanted $n x '$pattern')"
}

# 150 re-plugs, each onto a backend directory of its own as a restarted
# driver domain's is, and each followed before the next, so every re-plug
# really unwatches the old backend and watches the new one.
wait_count "backend $B " 1
for ((i = 1; i <= 150; i++)); do
    xenstore-write "$F/backend" "$B/r$i"
    wait_count "backend $B/r$i " 1
done
# The last one onto a fresh directory (on the old code, the first backend's
# watch was never taken away, and would still hear that one).
B=${B%/*}/9
xenstore-write "$B/state" 1
xenstore-chmod "$B" "n$be" "r$g"
xenstore-chmod "$B/state" "n$be" "r$g"
xenstore-write "$F/backend" "$B"
wait_count "backend $B " 1
console_of "$g" | grep -q "cannot watch" && fail "a watch failed: $(console_of "$g" | grep -m3 "watch")"

# The backend says it waits for the frontend: the vif must hear it and connect.
xenstore-write "$B/state" 2
for ((i = 0; i < 100; i++)); do
    case $(xenstore-read "$F/state") in 3 | 4) break ;; esac
    sleep 0.05
done
case $(xenstore-read "$F/state") in 3 | 4) ;; *) fail "the vif did not answer its backend's InitWait" ;; esac
xenstore-read "$F/tx-ring-ref" >/dev/null || xenstore-read "$F/queue-0/tx-ring-ref" >/dev/null ||
    fail "connected without rings"
pass "150 re-plugs: the vif still hears its backend and connects"
