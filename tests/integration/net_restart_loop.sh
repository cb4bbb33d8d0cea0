#!/usr/bin/env bash
# KILLS kills of the driver domain in a row under traffic, and every restart
# must succeed.  A netdd killed with a hypervisor reply unread made the
# hypervisor's read fail (ECONNRESET) with the descriptor count left at its
# capacity, so it "closed" stack garbage as descriptors on its reaper thread:
# often the next netdd's xenstore ring, whose create then failed ("cannot
# start: Invalid argument") and its monitor gave up, leaving the guests
# disconnected for good (about one kill in eight).  First the cause on its
# own, every time: a domain (tests/domains/hvhostile.c unread-exit) that
# exits with a hypercall's reply unread.
source "$(dirname "$0")/lib.sh"
require_root
t=$SV_TEST_TAG
sv_start --nic "--wire none"
KILLS=${SV_RESTART_KILLS:-8}
log=$SPLITVISOR_RUNDIR/splitvisor.log
pingers=()
sv_on_exit 'for p in "${pingers[@]}"; do kill "$p" 2>/dev/null; done'

# The pid of domain DOMID of the driver domain, from its creation's log line.
created_pid() { awk -v pat="domain $1 \\\\($t-dd\\\\) created" '$0 ~ pat {print $NF}' "$log" | tail -1; }

id=$(sv_hvhostile "$t-unread" 'on_poweroff = "preserve"' unread-exit)
wait_console "$id" "UNREAD exiting" >/dev/null
for ((i = 0; i < 100; i++)); do grep -q "domain $id ($t-unread) shut down" "$log" && break; sleep 0.05; done
grep "sent descriptors" "$log" && fail "the hypervisor took a failed read for descriptors sent"
pass "a domain exiting with a reply unread: its channel's failed read closes nothing"

dd=$(sv_netdd "$t-dd")
sv_guest "$t-a" "$t-dd" 10.14.0.2/24 >/dev/null
sv_guest "$t-b" "$t-dd" 10.14.0.3/24 >/dev/null
wait_ping "$t-a" 10.14.0.3
# Kills 2.1 s apart at least: within the monitor's limit of 5 restarts in
# 10 s however fast a restart is (an idle host restarts netdd in ~0.3 s).
last_kill=0
for ((k = 1; k <= KILLS; k++)); do
    gap_ms=$((last_kill + 2100 - $(date +%s%3N)))
    [ "$gap_ms" -le 0 ] || sleep "$(printf '%d.%03d' $((gap_ms / 1000)) $((gap_ms % 1000)))"
    start=$(date +%s%N)
    timeout 20 "$BIN/xl" exec "$t-a" -- ping -q -i 0.01 -w 15 10.14.0.3 >/dev/null 2>&1 &
    pingers+=($!)
    timeout 20 "$BIN/xl" exec "$t-b" -- ping -q -i 0.01 -w 15 10.14.0.2 >/dev/null 2>&1 &
    pingers+=($!)
    sleep 0.3
    kill -9 "$(created_pid "$dd")"
    last_kill=$(date +%s%3N)
    dd=$(wait_restarted "$t-dd" "$dd")
    wait_ping "$t-a" 10.14.0.3
    kill "${pingers[@]}" 2>/dev/null || true
    wait "${pingers[@]}" 2>/dev/null || true
    pingers=()
    echo "kill $k: restarted as domain $dd, ping after $((($(date +%s%N) - start) / 1000000)) ms"
done
grep "$t-dd" "$SPLITVISOR_RUNDIR/monitor.log" | grep -q "failed\|giving up" \
    && fail "a restart failed: $(cat "$SPLITVISOR_RUNDIR/monitor.log")"
grep -q "sent descriptors" "$log" && fail "a dead netdd's channel read as descriptors sent"
pass "$KILLS kills of the driver domain under traffic: every restart succeeded"
