#!/usr/bin/env bash
# Killing the driver domain under traffic kills no guest: xl's monitor
# restarts it (on_crash=restart, new domid), the toolstack re-plugs the
# guests' vifs onto it and they reconnect and ping again.  Measured: time
# from the kill to the first answer, pings lost.  After several cycles no
# event channel port, grant mapping, shared frame or xenstore node leaked.
source "$(dirname "$0")/lib.sh"
require_root
command -v xenstore-ls >/dev/null || skip "needs Debian's xenstore-utils"
t=$SV_TEST_TAG
sv_start --nic "--wire none"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket
CYCLES=${SV_RESTART_CYCLES:-3}

counts() { # ports maps frames xenstore-nodes
    "$BIN/xl" info | awk '/^(evtchn_ports|grant_maps|shared_frames)/ {printf "%s=%s ", $1, $3}'
    # /local/domain, /vm and /libxl themselves stay once made, as in Xen.
    echo "nodes=$(for d in /local/domain /vm /libxl; do xenstore-ls "$d" 2>/dev/null; done | wc -l)"
}

# xl's monitor, which the first create starts for good, binds a port of
# its own: counted from when it runs.
"$BIN/xl" destroy "$(sv_create "$t-first" sleep)"
before=$(counts)
echo "empty host: $before"
sv_netdd "$t-dd" >/dev/null
a=$(sv_guest "$t-a" "$t-dd" 10.13.0.2/24)
b=$(sv_guest "$t-b" "$t-dd" 10.13.0.3/24)
wait_ping "$t-a" 10.13.0.3

for cycle in $(seq "$CYCLES"); do
    dd=$("$BIN/xl" domid "$t-dd")
    "$BIN/xl" exec "$t-a" -- ping -i 0.05 -c 100 -W 1 10.13.0.3 >"$SPLITVISOR_RUNDIR/ping.$cycle" &
    pinger=$!
    sleep 0.5
    start=$(date +%s%N)
    kill -9 "$(domain_pid "$t-dd")"
    now=$(wait_restarted "$t-dd" "$dd")
    wait_ping "$t-a" 10.13.0.3
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    wait "$pinger" || true
    lost=$(awk '/received/ {print 100 - $4}' "$SPLITVISOR_RUNDIR/ping.$cycle")
    for g in "$a" "$b"; do
        [ "$(domain_state "$g")" = "-b----" ] || [ "$(domain_state "$g")" = "r-----" ] \
            || fail "guest $g did not survive: $(domain_state "$g")"
    done
    echo "cycle $cycle: driver domain $dd -> $now, first ping after ${ms} ms, $lost of 100 pings lost"
done
pass "$CYCLES kills of the driver domain under traffic: every guest lived and reconnected"

# A TCP session across one more restart: the guests' stacks never went away.
"$BIN/xl" exec "$t-b" -- iperf3 -s -1 -D --logfile "$SPLITVISOR_RUNDIR/iperf-s.log"
sleep 0.5
"$BIN/xl" exec "$t-a" -- iperf3 -c 10.13.0.3 -t 6 -b 10M >"$SPLITVISOR_RUNDIR/iperf-c.log" 2>&1 &
client=$!
sleep 2
kill -9 "$(domain_pid "$t-dd")"
wait "$client" || fail "the TCP session died: $(tail -3 "$SPLITVISOR_RUNDIR/iperf-c.log")"
grep -q "receiver" "$SPLITVISOR_RUNDIR/iperf-c.log" || fail "no iperf3 summary"
pass "a TCP session survived the driver domain's restart"

echo "running: $(counts)"
for d in "$t-a" "$t-b" "$t-dd"; do "$BIN/xl" destroy "$d"; done
after=$(counts)
echo "empty again: $after"
[ "$before" = "$after" ] || fail "leaked: before '$before', after '$after'"
pass "no port, grant mapping, frame or xenstore node leaked over $CYCLES restarts"
