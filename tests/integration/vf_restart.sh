#!/usr/bin/env bash
# The driver domain off the VF path: guest a's eth0 runs on a VF teamed
# with its vif (failover=0), streaming TCP to a host on the wire, with
# pings beside it.  netdd is killed (and restarted by its monitor, a new
# domid): the NIC keeps switching a's VF with the configuration it has (a
# PF reset keeps a VF in use), the toolstack makes the VF's request again
# under the new netdd, which finds the VF active and stands a's vif by
# again; no ping is lost or answered twice and the stream lives.  Then
# guest c, owner of another VF, dies: only its VF is reset and taken back,
# a's traffic goes on.
source "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "needs iperf3"
t=$SV_TEST_TAG
wire=sv-$t-w
VFA=0000:03:10.0
VFC=0000:03:10.1
sv_start --nic "--wire tap:$wire --vfs 2"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

dd=$(sv_netdd "$t-dd")
"$BIN/xl" pci-assignable-add $VFA
"$BIN/xl" pci-assignable-add $VFC
printf 'name = "%s"\nmemory = 64\nkernel = "%s"\non_crash = "destroy"\nvif = [ "backend=%s,mac=00:16:3e:5f:0c:01,ip=10.16.0.2/24" ]\npci = [ "%s,failover=0" ]\n' \
    "$t-a" "$BIN/guest" "$t-dd" "$VFA" >"$SPLITVISOR_RUNDIR/$t-a.cfg"
printf 'name = "%s"\nmemory = 64\nkernel = "%s"\non_crash = "destroy"\npci = [ "%s,mac=00:16:3e:5f:0c:03" ]\n' \
    "$t-c" "$BIN/guest" "$VFC" >"$SPLITVISOR_RUNDIR/$t-c.cfg"
"$BIN/xl" create "$SPLITVISOR_RUNDIR/$t-a.cfg" >/dev/null
"$BIN/xl" create "$SPLITVISOR_RUNDIR/$t-c.cfg" >/dev/null
a=$("$BIN/xl" domid "$t-a")
c=$("$BIN/xl" domid "$t-c")
sv_wire_host "$wire" 10.16.0.1/24
wait_console "$dd" "backend/vif/$a/0 stands by" >/dev/null
wait_ping "$t-a" 10.16.0.1
pass "a's eth0 on its VF reaches the wire host"

ip netns exec "sv-$t-host" iperf3 -s -1 -D --logfile "$SPLITVISOR_RUNDIR/iperf-host.log"
sleep 0.5
"$BIN/xl" exec "$t-a" -- iperf3 -c 10.16.0.1 -t 12 -f m >"$SPLITVISOR_RUNDIR/stream.log" 2>&1 &
stream=$!
"$BIN/xl" exec "$t-a" -- ping -i 0.05 -c 200 10.16.0.1 >"$SPLITVISOR_RUNDIR/ping.log" 2>&1 &
pinger=$!
sleep 2
kill -9 "$(domain_pid "$t-dd")"
dd2=$(wait_restarted "$t-dd" "$dd")
wait_console "$dd2" "backend/vif/$a/0 stands by" >/dev/null
[ "$(xenstore-read "/local/domain/$dd2/backend/vf/$a/0/state")" = 4 ] \
    || fail "the new netdd has no configured request of a's VF"
[ "$(xenstore-read "/local/domain/$a/device/vf/0/backend-id")" = "$dd2" ] \
    || fail "a's VF directory still names domain $(xenstore-read "/local/domain/$a/device/vf/0/backend-id")"
wait "$pinger" || true
grep -q "DUP!" "$SPLITVISOR_RUNDIR/ping.log" && fail "duplicate answers: $(grep -c "DUP!" "$SPLITVISOR_RUNDIR/ping.log")"
lost=$(awk '/packets transmitted/ {print $1 - $4}' "$SPLITVISOR_RUNDIR/ping.log")
[ "$lost" = 0 ] || fail "$lost of 200 pings lost while netdd restarted: $(tail -2 "$SPLITVISOR_RUNDIR/ping.log")"
pass "netdd killed and restarted (domain $dd -> $dd2): the VF request re-made, a's vif a standby again; 0 of 200 pings lost, none twice"

# c dies: its VF alone is reset and taken back.
wait_console "$c" "vf0 up" >/dev/null
kill -9 "$(domain_pid "$t-c")"
for i in $(seq 40); do
    "$BIN/xl" pci-list "$t-c" 2>/dev/null | grep -q "$VFC" || break
    [ "$i" -lt 40 ] || fail "c's VF is still assigned"
    sleep 0.25
done
"$BIN/xl" pci-assignable-list | grep -q "$VFC" || fail "c's VF did not come back assignable"
"$BIN/xl" dmesg | grep -q "$VFA: reset" && fail "a's VF was reset: $("$BIN/xl" dmesg | grep "$VFA")"
wait "$stream" || fail "a's TCP stream broke: $(tail -5 "$SPLITVISOR_RUNDIR/stream.log")"
retr=$(awk '/ sender$/ {print $(NF - 1)}' "$SPLITVISOR_RUNDIR/stream.log")
pass "c died: its VF alone was reset and is assignable again; a's 12-second stream lived through both ($retr retransmissions)"
