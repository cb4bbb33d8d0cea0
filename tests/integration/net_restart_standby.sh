#!/usr/bin/env bash
# A driver domain with a warm standby (driver_domain_standby = 1): xl create
# starts NAME-standby beside it, waiting for the PF; killed under pings, the
# standby takes over (the monitor gives it the PF, the name and the vifs:
# no domain is created on the restart's path) and a new standby is
# started; the guests ping both ways again.  xl destroy, or a shutdown
# that does not restart, takes the standby with the domain, and a
# description that cannot have one is refused.
source "$(dirname "$0")/lib.sh"
require_root
t=$SV_TEST_TAG
sv_start --nic "--wire none"
rd=$SPLITVISOR_RUNDIR
CYCLES=${SV_RESTART_CYCLES:-3}

dd_cfg() { # ON_CRASH -> the driver domain's xl.cfg
    printf 'name = "%s"\nmemory = 256\nkernel = "%s"\ndriver_domain = 1\ndriver_domain_standby = 1\npci = [ "0000:03:00.0" ]\non_crash = "%s"\n' \
        "$t-dd" "$BIN/netdd" "$1" >"$rd/$t-dd.cfg"
    echo "$rd/$t-dd.cfg"
}
# The live standby's domid ("" when none).
standby_id() { "$BIN/xl" list | awk -v s="$t-dd-standby" '$1 == s || $1 == s "2" {print $2}'; }
# A domain's pid, from the hypervisor's log of its creation (its argv[0]
# is the name it was created with, which a standby loses).
pid_of() { awk -v pat="domain $1 \\\\(" '$0 ~ pat && /created/ {print $NF}' "$rd/splitvisor.log" | tail -1; }

"$BIN/xl" pci-assignable-add 0000:03:00.0
out=$("$BIN/xl" create "$(dd_cfg destroy)" 2>&1) && fail "a standby without on_crash=restart was accepted"
grep -q 'driver_domain_standby needs driver_domain = 1 and on_crash = "restart"' <<<"$out" ||
    fail "unclear refusal: $out"
[ -z "$("$BIN/xl" list | awk -v p="$t-dd" 'index($1, p) == 1')" ] || fail "the refused create left a domain"
pass "a standby without on_crash=restart is refused: $out"

"$BIN/xl" create "$(dd_cfg restart)" >/dev/null
s=$(standby_id)
[ -n "$s" ] || fail "no standby after xl create: $("$BIN/xl" list)"
wait_console "$s" "netdd standby: waiting for the PF" >/dev/null
a=$(sv_guest "$t-a" "$t-dd" 10.21.0.2/24)
sv_guest "$t-b" "$t-dd" 10.21.0.3/24 >/dev/null
wait_ping "$t-a" 10.21.0.3
pass "xl create started $t-dd and its standby (domain $s), which waits for the PF"

for cycle in $(seq "$CYCLES"); do
    dd=$("$BIN/xl" domid "$t-dd")
    s=$(standby_id)
    [ -n "$s" ] || fail "cycle $cycle: no standby"
    wait_console "$s" "netdd standby: waiting for the PF" >/dev/null
    "$BIN/xl" exec "$t-a" -- ping -i 0.02 -c 150 -W 1 10.21.0.3 >"$rd/ping-ab.$cycle" &
    p1=$!
    "$BIN/xl" exec "$t-b" -- ping -i 0.02 -c 150 -W 1 10.21.0.2 >"$rd/ping-ba.$cycle" &
    p2=$!
    sleep 0.5
    kill -9 "$(pid_of "$dd")"
    now=$(wait_restarted "$t-dd" "$dd")
    [ "$now" = "$s" ] || fail "cycle $cycle: $t-dd came back as domain $now, not its standby $s"
    wait_ping "$t-a" 10.21.0.3
    wait_ping "$t-b" 10.21.0.2
    wait "$p1" "$p2" || true
    for g in "$t-a" "$t-b"; do
        case $(domain_state "$("$BIN/xl" domid "$g")") in -b----|r-----) ;; *) fail "guest $g died" ;; esac
    done
    # The vifs follow the standby before the dead domain's destroy (50-60
    # ms of xenstore work), not after it; and a guest takes its pages
    # along (grants moved in place), not sharing ~500 frames afresh.
    replug=$(grep -n "vif $a.0 re-plugged to $t-dd (domain $s)" "$rd/monitor.log" | cut -d: -f1 || true)
    gone=$(grep -n "domain $dd ($t-dd) destroyed" "$rd/monitor.log" | cut -d: -f1 || true)
    [ -n "$replug" ] && [ -n "$gone" ] && [ "$replug" -lt "$gone" ] ||
        fail "cycle $cycle: a's vif was not re-plugged to the standby before domain $dd's destroy (monitor.log lines ${replug:-none}, ${gone:-none})"
    grep -q "backend /local/domain/$s/backend/vif/.*queue 0's pages granted to it in place" \
        "$rd/console/$a.log" || fail "cycle $cycle: guest a shared its pages afresh for domain $s"
    lost_ab=$(awk '/received/ {print $1 - $4}' "$rd/ping-ab.$cycle")
    lost_ba=$(awk '/received/ {print $1 - $4}' "$rd/ping-ba.$cycle")
    echo "cycle $cycle: $t-dd $dd -> its standby $now; pings lost (one every 20 ms): a->b $lost_ab, b->a $lost_ba"
done
grep -q "restarted: its standby" "$rd/monitor.log" || fail "the monitor did not say the standby took over"
! grep -q "$t-dd restarted as domain" "$rd/monitor.log" || fail "a restart created a domain"
[ -n "$(standby_id)" ] || fail "no new standby after the last take-over"
pass "$CYCLES kills: each time the standby took over and a new one was started"

"$BIN/xl" destroy "$t-dd"
[ -z "$(standby_id)" ] || fail "xl destroy left the standby: $("$BIN/xl" list)"
pass "xl destroy $t-dd took its standby too"

# Shut down (on_poweroff = destroy): not coming back, so its standby goes.
"$BIN/xl" create "$rd/$t-dd.cfg" >/dev/null
[ -n "$(standby_id)" ] || fail "no standby after the second xl create"
"$BIN/xl" shutdown "$t-dd"
for ((i = 0; i < 100; i++)); do
    [ -z "$(standby_id)" ] && [ -z "$("$BIN/xl" domid "$t-dd" 2>/dev/null)" ] && break
    sleep 0.1
done
[ -z "$(standby_id)" ] || fail "$t-dd shut down, its standby stayed: $("$BIN/xl" list)"
pass "$t-dd shut down for good: the monitor destroyed its standby"
