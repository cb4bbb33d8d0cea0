#!/usr/bin/env bash
# A restart whose create fails is tried again with a back-off, not given up
# on: a domain with on_crash=restart is killed while its kernel image cannot
# be run, made runnable again 0.5 s later, and its monitor's next try brings
# it back.  With the image left broken the monitor gives up after its tries,
# saying so.  An `xl destroy` of the name while a retry waits cancels it:
# the image made runnable again, the domain stays gone.
source "$(dirname "$0")/lib.sh"
require_root
t=$SV_TEST_TAG
sv_start
kernel=$SPLITVISOR_RUNDIR/testdom
cp "$TESTBIN/testdom" "$kernel"
cfg=$(sv_cfg "$t-r" sleep)
sed -i -e "s|^kernel = .*|kernel = \"$kernel\"|" -e 's|^on_crash = .*|on_crash = "restart"|' "$cfg"
"$BIN/xl" create "$cfg" >/dev/null
id=$("$BIN/xl" domid "$t-r")
wait_console "$id" SLEEPING >/dev/null
mlog=$SPLITVISOR_RUNDIR/monitor.log

chmod -x "$kernel"
kill -9 "$(awk -v pat="domain $id \\\\($t-r\\\\) created" '$0 ~ pat {print $NF}' "$SPLITVISOR_RUNDIR/splitvisor.log")"
sleep 0.5
chmod +x "$kernel"
now=$(wait_restarted "$t-r" "$id")
wait_console "$now" SLEEPING >/dev/null
grep -q "trying again" "$mlog" || fail "the create never failed: $(cat "$mlog")"
pass "a failed restart was tried again: domain $id came back as $now ($(grep -c 'trying again' "$mlog") retries)"

chmod -x "$kernel"
kill -9 "$(awk -v pat="domain $now \\\\($t-r\\\\) created" '$0 ~ pat {print $NF}' "$SPLITVISOR_RUNDIR/splitvisor.log")"
for ((i = 0; i < 100; i++)); do grep -q "giving up" "$mlog" && break; sleep 0.1; done
grep -q "not restarted: 6 creates failed" "$mlog" || fail "no bounded give-up: $(cat "$mlog")"
"$BIN/xl" domid "$t-r" >/dev/null 2>&1 && fail "$t-r is still listed"
pass "a restart that keeps failing ends after 6 tries, logged"

# A retry queued, then the operator destroys the name: it stays destroyed.
chmod +x "$kernel"
"$BIN/xl" create "$cfg" >/dev/null
id=$("$BIN/xl" domid "$t-r")
wait_console "$id" SLEEPING >/dev/null
tries=$(grep -c "trying again" "$mlog")
chmod -x "$kernel"
kill -9 "$(awk -v pat="domain $id \\\\($t-r\\\\) created" '$0 ~ pat {print $NF}' "$SPLITVISOR_RUNDIR/splitvisor.log")"
for ((i = 0; i < 100; i++)); do [ "$(grep -c "trying again" "$mlog")" -gt "$tries" ] && break; sleep 0.02; done
[ "$(grep -c "trying again" "$mlog")" -gt "$tries" ] || fail "no retry queued: $(tail -5 "$mlog")"
out=$("$BIN/xl" destroy "$t-r") || fail "xl destroy of a name with a queued restart failed: $out"
[[ $out == *"pending restart is cancelled"* ]] || fail "xl destroy said: $out"
chmod +x "$kernel"
sleep 4 # beyond the last retry's back-off (0.1 + 0.2 + ... + 1.6 s)
"$BIN/xl" domid "$t-r" >/dev/null 2>&1 && fail "$t-r came back after xl destroy: $(tail -5 "$mlog")"
grep -q "$t-r: its restart was cancelled" "$mlog" || fail "no cancel logged: $(tail -5 "$mlog")"
[ ! -e "$SPLITVISOR_RUNDIR/restart.$t-r" ] || fail "the restart mark outlived the cancel"
out=$("$BIN/xl" destroy "$t-r" 2>&1) && fail "a second xl destroy succeeded: $out"
[[ $out == *"no domain '$t-r'"* ]] || fail "a second xl destroy said: $out"
pass "xl destroy cancelled a queued restart: nothing came back in 4 s"
