#!/usr/bin/env bash
# Lifecycle: create paused, unpause, pause, shutdown (power button, and a
# domain's own SCHEDOP_shutdown with each reason), crash, on_crash=restart
# and rename-restart, xl reboot with on_reboot=restart, on_poweroff=destroy
# cleaning up everything, destroy; dom0 hears of every change through
# VIRQ_DOM_EXC (the monitor relies on it); one monitor serves every domain;
# destroying a domain leaves no process, namespace, console log or hypercall
# channel behind, and only a failed domain's last console is kept (32 names
# at most).
source "$(dirname "$0")/lib.sh"
require_root
sv_use_installed
sv_start
t=$SV_TEST_TAG

cfg=$(sv_cfg "$t-life" sleep)
"$BIN/xl" create -p "$cfg" >/dev/null
[ "$(domain_state 1)" = "--p---" ] || fail "created domain is not paused: $(domain_state 1)"
[ -z "$(console_of 1)" ] || fail "a paused domain ran"
"$BIN/xl" unpause 1
wait_console 1 SLEEPING >/dev/null
"$BIN/xl" pause 1
[ "$(domain_state 1)" = "--p---" ] || fail "not paused: $(domain_state 1)"
"$BIN/xl" unpause 1
"$BIN/xl" shutdown -w 1 >/dev/null
wait_console 1 "POWER OFF" >/dev/null
[ "$(domain_state 1)" = "---s--" ] || fail "not shut down: $(domain_state 1)"
pass "paused create, unpause, pause, power button shutdown (preserved)"

pid=$(cat "$SPLITVISOR_RUNDIR/splitvisor.pid")
"$BIN/xl" destroy 1
[ -z "$(domain_state 1)" ] || fail "destroyed domain still listed"
ip netns list | grep -q "^sv-$t-life" && fail "namespace left behind"
[ -e "$SPLITVISOR_RUNDIR/console/1.log" ] && fail "console log left behind"
[ -e "$SPLITVISOR_RUNDIR/console/$t-life.last.log" ] && fail "a clean shutdown's console was kept"
# (the monitor, which outlives the domain, keeps its channels and VIRQ port)
[ "$(ls /proc/$pid/fd | wc -l)" -lt 24 ] || fail "hypervisor holds $(ls /proc/$pid/fd | wc -l) fds"
pass "destroy leaves no namespace, console or fds behind"

# A crash is a crash; on_crash=restart brings it back (new domid, same name).
c=$(sv_create "$t-crash" crash)
for _ in $(seq 50); do [ "$(domain_state "$c")" = "----c-" ] && break; sleep 0.1; done
[ "$(domain_state "$c")" = "----c-" ] || fail "crash not reported: $(domain_state "$c")"
"$BIN/xl" destroy "$c"
# What it printed before it went is kept, under its name, for a post-mortem.
last=$SPLITVISOR_RUNDIR/console/$t-crash.last.log
[ -f "$last" ] || fail "a destroyed domain's last console output was not kept"
[ "$(stat -c %a "$last")" = 600 ] || fail "$last is mode $(stat -c %a "$last")"
[ -e "$SPLITVISOR_RUNDIR/console/$c.log" ] && fail "console log left behind"
"$BIN/xl" create "$(sv_cfg "$t-unknown" no-such-mode)" >/dev/null
for _ in $(seq 50); do [ "$(domain_state "$("$BIN/xl" domid "$t-unknown")")" = "----c-" ] && break; sleep 0.1; done
"$BIN/xl" destroy "$t-unknown"
grep -q "testdom: unknown mode 'no-such-mode'" "$SPLITVISOR_RUNDIR/console/$t-unknown.last.log" ||
    fail "the last console output lost the reason: $(cat "$SPLITVISOR_RUNDIR/console/$t-unknown.last.log")"
sed -e 's/on_crash = "preserve"/on_crash = "restart"/' "$(sv_cfg "$t-phoenix" sleep)" \
    >"$SPLITVISOR_RUNDIR/phoenix.cfg"
"$BIN/xl" create "$SPLITVISOR_RUNDIR/phoenix.cfg" >/dev/null
first=$("$BIN/xl" domid "$t-phoenix")
wait_console "$first" SLEEPING >/dev/null
kill -9 "$(domain_pid "$t-phoenix")"
now=$(wait_restarted "$t-phoenix" "$first")
wait_console "$now" SLEEPING >/dev/null
pass "crash reported; on_crash=restart restarted it as domain $now"

# Kept consoles are bounded: 40 older ones of names long gone, then one
# more failure; the oldest go, the newest (and the recent failures) stay.
for i in $(seq 40); do
    touch -d "2020-01-01 00:00:$((i + 10))" "$SPLITVISOR_RUNDIR/console/$t-old$i.last.log"
done
c=$(sv_create "$t-crash2" crash)
for _ in $(seq 50); do [ "$(domain_state "$c")" = "----c-" ] && break; sleep 0.1; done
"$BIN/xl" destroy "$c"
kept=$(ls "$SPLITVISOR_RUNDIR/console" | grep -c '\.last\.log$')
[ "$kept" -eq 32 ] || fail "$kept consoles kept, not 32: $(ls "$SPLITVISOR_RUNDIR/console")"
for n in crash2 crash unknown old40; do
    [ -f "$SPLITVISOR_RUNDIR/console/$t-$n.last.log" ] || fail "$t-$n.last.log was removed"
done
[ -e "$SPLITVISOR_RUNDIR/console/$t-old1.last.log" ] && fail "the oldest kept console stayed"
pass "kept consoles bounded at 32, the oldest removed first"

# A domain shuts itself down (SCHEDOP_shutdown) with a reason; its channel
# goes with it while the call is in flight.  Each reason meets its own
# action: a poweroff xl's default on_poweroff (destroy), a reboot
# on_reboot=preserve, a crash on_crash=preserve.
wait_state() {
    for _ in $(seq 100); do [ "$(domain_state "$1")" = "$2" ] && return 0; sleep 0.05; done
    fail "domain $1 is '$(domain_state "$1")', not '$2'"
}
cp "$(sv_cfg "$t-sd-crash" shutdown crash)" "$SPLITVISOR_RUNDIR/sd-crash.cfg"
sed -e 's/^on_poweroff = .*/on_reboot = "preserve"/' "$(sv_cfg "$t-sd-reboot" shutdown reboot)" \
    >"$SPLITVISOR_RUNDIR/sd-reboot.cfg"
sed -e '/^on_poweroff = /d' "$(sv_cfg "$t-sd-poweroff" shutdown poweroff)" \
    >"$SPLITVISOR_RUNDIR/sd-poweroff.cfg"
for reason in poweroff crash reboot; do
    "$BIN/xl" create "$SPLITVISOR_RUNDIR/sd-$reason.cfg" >/dev/null
done
wait_state "$("$BIN/xl" domid "$t-sd-reboot")" "---s--"
wait_state "$("$BIN/xl" domid "$t-sd-crash")" "----c-"
for _ in $(seq 100); do "$BIN/xl" domid "$t-sd-poweroff" >/dev/null 2>&1 || break; sleep 0.05; done
"$BIN/xl" domid "$t-sd-poweroff" >/dev/null 2>&1 && fail "the powered-off domain was not destroyed"
"$BIN/splitvisor" status >/dev/null || fail "the hypervisor did not survive a domain's own shutdown"
pass "SCHEDOP_shutdown from a domain: poweroff (destroyed), crash and reboot (preserved)"

# on_crash=rename-restart keeps the crashed one under another name.
sed -e 's/on_crash = "preserve"/on_crash = "rename-restart"/' "$(sv_cfg "$t-lazarus" sleep)" \
    >"$SPLITVISOR_RUNDIR/lazarus.cfg"
"$BIN/xl" create "$SPLITVISOR_RUNDIR/lazarus.cfg" >/dev/null
old=$("$BIN/xl" domid "$t-lazarus")
wait_console "$old" SLEEPING >/dev/null
kill -9 "$(domain_pid "$t-lazarus")"
new=$(wait_restarted "$t-lazarus" "$old")
[ "$("$BIN/xl" domname "$old")" = "$t-lazarus-$old" ] || fail "old one not renamed: $("$BIN/xl" list)"
[ "$(domain_state "$old")" = "----c-" ] || fail "renamed domain not kept crashed: $(domain_state "$old")"
pass "on_crash=rename-restart: the crashed domain kept as $t-lazarus-$old, a new one started"

# xl reboot: the default on_reboot=restart brings it back, with the vif
# attached since it was created.
r=$(sv_create "$t-reboot" sleep)
wait_console "$r" SLEEPING >/dev/null
"$BIN/xl" network-attach "$r" "mac=00:16:3e:00:00:42"
"$BIN/xl" reboot -w "$r" >/dev/null
now=$(wait_restarted "$t-reboot" "$r")
wait_console "$now" SLEEPING >/dev/null
"$BIN/xl" network-list "$now" | grep -q "00:16:3e:00:00:42" ||
    fail "the restart lost the attached vif: $("$BIN/xl" network-list "$now")"
grep -q "domain $r ($t-reboot) shut down (reason 1): restart" "$SPLITVISOR_RUNDIR/monitor.log" ||
    fail "monitor did not apply on_reboot: $(cat "$SPLITVISOR_RUNDIR/monitor.log")"
pass "xl reboot: on_reboot=restart restarted it as domain $now, with its attached vif"

# on_poweroff=destroy: the monitor destroys the domain and everything of it
# (xenstore nodes, namespace and its veth, the kept description), then exits.
gone=$SPLITVISOR_RUNDIR/gone.cfg
sed -e 's/on_poweroff = "preserve"/on_poweroff = "destroy"/' "$(sv_cfg "$t-gone" sleep)" >"$gone"
echo 'vif = [ "ip=10.9.0.2/24" ]' >>"$gone"
# No backend= is Xen's Domain-0, which serves no vifs here: said, not silent.
err=$("$BIN/xl" create "$gone" 2>&1 >/dev/null)
grep -q "warning: vif 0 has no backend domain: Domain-0 serves no vifs" <<<"$err" ||
    fail "no warning for a vif without a backend: $err"
g=$("$BIN/xl" domid "$t-gone")
wait_console "$g" SLEEPING >/dev/null
ip -n "sv-$t-gone" link show eth0 >/dev/null || fail "no eth0 in the namespace"
"$BIN/xl" shutdown "$g"
for _ in $(seq 100); do "$BIN/xl" domid "$t-gone" >/dev/null 2>&1 || break; sleep 0.05; done
"$BIN/xl" domid "$t-gone" >/dev/null 2>&1 && fail "on_poweroff=destroy left the domain: $("$BIN/xl" list)"
ip netns list | grep -q "^sv-$t-gone" && fail "namespace left behind"
[ -e "$SPLITVISOR_RUNDIR/userdata/$g.xml" ] && fail "description left behind"
if command -v xenstore-exists >/dev/null; then
    export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket
    for p in "/local/domain/$g" "/libxl/$g" "/local/domain/0/backend/vif/$g"; do
        xenstore-exists "$p" 2>/dev/null && fail "$p left behind"
    done
fi
grep -q "domain $g ($t-gone) shut down (reason 0): destroy" "$SPLITVISOR_RUNDIR/monitor.log" ||
    fail "monitor did not apply on_poweroff: $(cat "$SPLITVISOR_RUNDIR/monitor.log")"
pass "on_poweroff=destroy: domain, xenstore nodes, namespace and veth gone"

# One monitor serves every domain, as Xen's toolstack watches @releaseDomain
# once: the domains above (preserved, renamed, restarted) have no monitor
# process each.  Each monitor is a fork of the `xl create` that started it.
mon=$(cat "$SPLITVISOR_RUNDIR/monitor.pid")
kill -0 "$mon" 2>/dev/null || fail "the monitor ($mon) is not running"
monitors=$(pgrep -f "xl create .*$SPLITVISOR_RUNDIR/" | wc -l)
[ "$monitors" -eq 1 ] || fail "$monitors monitor processes for $("$BIN/xl" list | tail -n +3 | wc -l) domains"
pass "one monitor process for every domain"

xspid=$(cat "$SPLITVISOR_RUNDIR/xenstored.pid")
dpid=$(domain_pid "$t-lazarus")
[ -n "$dpid" ] || fail "no process for $t-lazarus"
"$BIN/splitvisor" stop >/dev/null
kill -0 "$pid" 2>/dev/null && fail "hypervisor still running after stop"
kill -0 "$xspid" 2>/dev/null && fail "xenstored still running after stop"
kill -0 "$dpid" 2>/dev/null && fail "domain process $dpid still running after stop"
for _ in $(seq 50); do kill -0 "$mon" 2>/dev/null || break; sleep 0.05; done
kill -0 "$mon" 2>/dev/null && fail "the monitor ($mon) still running after stop"
ip netns list | grep -q "^sv-$t" && fail "namespaces left after stop"
for s in control.sock xenstored/socket; do
    [ -e "$SPLITVISOR_RUNDIR/$s" ] && fail "$s left after stop"
done
pass "splitvisor stop leaves nothing running"
