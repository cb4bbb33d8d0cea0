#!/usr/bin/env bash
# splitvisor start/stop/status as a service manager uses them: the process
# that counts is the one holding the pid file's lock (a stale file or a pid
# gone to another program is never signalled, nor "already running"); status
# as non-root says it cannot tell; start -F keeps the hypervisor in the
# foreground with xenstored beside it; a wire clash or a missing `ip` is named.
source "$(dirname "$0")/lib.sh"
require_root
sv_use_installed
t=$SV_TEST_TAG
wire=sv-${t:0:10}w # IFNAMSIZ
sleep 300 &
bystander=$!
other=$(mktemp -d /tmp/sv-test.XXXXXX)
fakebin=$(mktemp -d /tmp/sv-test.XXXXXX)
sv_on_exit "kill $bystander"
sv_on_exit "SPLITVISOR_RUNDIR='$other' '$BIN/splitvisor' stop >/dev/null 2>&1; rm -rf '$other' '$fakebin'"
SPLITVISOR_RUNDIR=$(mktemp -d /tmp/sv-test.XXXXXX)
export SPLITVISOR_RUNDIR
trap sv_cleanup EXIT
rd=$SPLITVISOR_RUNDIR
alive() { kill -0 "$bystander" || fail "$* signalled another program's pid"; }

# Pid files left by a crash, naming a live process that is not ours.
echo "$bystander" >"$rd/splitvisor.pid"
echo "$bystander" >"$rd/xenstored.pid"
rc=0; out=$("$BIN/splitvisor" status) || rc=$?
[ "$rc" = 3 ] || fail "status of a stale pid file: exit $rc: $out"
"$BIN/splitvisor" stop >/dev/null 2>&1 && fail "stop of a stopped host succeeded"
alive "stop"
"$BIN/splitvisor" start --nic "--wire tap:$wire" >/dev/null || fail "a stale pid file stopped start"
alive "start"
pass "a stale pid file is no hypervisor: status, stop and start ignore it"

rc=0; out=$("$BIN/splitvisor" status) || rc=$?
[ "$rc" = 0 ] || fail "status: exit $rc: $out"
rc=0; out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/splitvisor" status 2>&1) || rc=$?
[ "$rc" = 4 ] || fail "status as nobody: exit $rc: $out"
grep -q "cannot tell" <<<"$out" || fail "status as nobody: $out"
err=$("$BIN/splitvisor" start 2>&1) && fail "a second start succeeded"
grep -q "already running in $rd (pid $(cat "$rd/splitvisor.pid"))" <<<"$err" || fail "unclear: $err"
pass "status as root and as nobody (LSB 4: unknown); a second start refused"

# Another instance on the same wire: the clash is named.
err=$(SPLITVISOR_RUNDIR=$other "$BIN/splitvisor" start --nic "--wire tap:$wire" 2>&1) &&
    fail "two instances on one wire"
grep -q "wire tap:$wire: the interface is taken" <<<"$err" || fail "wire clash unnamed: $err"
SPLITVISOR_RUNDIR=$other "$BIN/splitvisor" status >/dev/null && fail "the failed instance runs"
pass "a wire clash names the interface"

# No `ip`: start says so; a hypervisor that lost it says so at create.
err=$(PATH=/nonexistent SPLITVISOR_RUNDIR=$other "$BIN/splitvisor" start --no-nic 2>&1) &&
    fail "started without ip"
grep -q "no 'ip' command (iproute2) in PATH" <<<"$err" || fail "missing ip unnamed: $err"
ln -s "$(command -v ip)" "$fakebin/ip"
PATH=$fakebin SPLITVISOR_RUNDIR=$other "$BIN/splitvisor" start --no-nic >/dev/null
rm "$fakebin/ip"
err=$(SPLITVISOR_RUNDIR=$other "$BIN/xl" create "$(sv_cfg "$t-noip" sleep)" 2>&1) &&
    fail "created without ip"
grep -q "cannot run 'ip' (iproute2)" <<<"$err" || fail "missing ip at create unnamed: $err"
SPLITVISOR_RUNDIR=$other "$BIN/splitvisor" stop >/dev/null
pass "a missing ip command is named"

# stop signals the lock holder only: the pid file rewritten to name another
# program changes nothing.
hv=$(cat "$rd/splitvisor.pid")
echo "$bystander" >"$rd/splitvisor.pid"
"$BIN/splitvisor" stop >/dev/null || fail "stop"
alive "stop"
gone() { for ((i = 0; i < 40; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; return 1; }
gone "$hv" || fail "the hypervisor (pid $hv) survived stop"
pass "stop signals the pid file's lock holder, whatever the file says"

# -F: the hypervisor in the foreground, xenstored beside it.
"$BIN/splitvisor" start -F --no-nic >"$rd/fg.out" 2>&1 &
fg=$!
for ((i = 0; i < 100; i++)); do
    grep -q "xenstored (pid" "$rd/fg.out" && break
    sleep 0.05
done
[ "$(cat "$rd/splitvisor.pid")" = "$fg" ] || fail "-F: the hypervisor is not the foreground process"
d=$(sv_create "$t-fg" sleep) # needs xenstored
wait_console "$d" SLEEPING >/dev/null
xs=$(cat "$rd/xenstored.pid")
"$BIN/splitvisor" stop >/dev/null || fail "stop of -F"
wait "$fg" || fail "-F exited $?: $(cat "$rd/fg.out")"
gone "$xs" || fail "xenstored outlived the -F hypervisor"
pass "start -F: foreground hypervisor with xenstored, both stopped"
