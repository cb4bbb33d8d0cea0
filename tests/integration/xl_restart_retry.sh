#!/usr/bin/env bash
# A restart whose create fails is tried again with a back-off, not given up
# on: a domain with on_crash=restart is killed while its kernel image cannot
# be run, made runnable again 0.5 s later, and its monitor's next try brings
# it back.  With the image left broken the monitor gives up after its tries,
# saying so.
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
