#!/usr/bin/env bash
# netdd killed while a guest drives a VF: the hypervisor parks the PF
# instead of resetting it, and the new netdd takes it over without a reset
# (docs/networking.md, "Hand-over without a reset").  Guest a owns a VF
# (netdd off its path) and has joined a multicast group; guest b has a vif
# on netdd.  Across the kill:
# - a host on the wire sends 400 datagrams to the group, 10 ms apart (netdd
#   is killed 0.3 s after the first, and back well before the last): the
#   VF's multicast filter stays in the NIC, so a gets every one (with the
#   old FLR at the death the filter went until the new netdd's reset notice
#   had the VF ask again);
# - a pings b: while no driver runs, frames for b's MAC are dropped in b's
#   pool, whose MAC the NIC kept, and counted (the new netdd says how many);
#   none goes out on the wire (after an FLR, b's MAC matched nothing and
#   the NIC sent them there).
source "$(dirname "$0")/lib.sh"
require_root
t=$SV_TEST_TAG
wire=sv-$t-w
VFA=0000:03:10.0
MACA=00:16:3e:5f:0e:01
MACB=00:16:3e:5f:0e:03
GROUP=239.1.2.3
N=400
sv_start --nic "--wire tap:$wire --vfs 2"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

dd=$(sv_netdd "$t-dd")
b=$(sv_guest "$t-b" "$t-dd" 10.19.0.3/24 "mac=$MACB")
"$BIN/xl" pci-assignable-add $VFA
printf 'name = "%s"\nmemory = 64\nkernel = "%s"\non_crash = "destroy"\npci = [ "%s,mac=%s" ]\n' \
    "$t-a" "$BIN/guest" "$VFA" "$MACA" >"$SPLITVISOR_RUNDIR/$t-a.cfg"
"$BIN/xl" create "$SPLITVISOR_RUNDIR/$t-a.cfg" >/dev/null
a=$("$BIN/xl" domid "$t-a")
sv_wire_host "$wire" 10.19.0.1/24
wait_console "$a" "vf0 up" >/dev/null
"$BIN/xl" exec "$t-a" -- ip addr add 10.19.0.2/24 dev vf0
wait_ping "$t-a" 10.19.0.1
wait_ping "$t-a" 10.19.0.3

# The group's receiver in a: it joins on vf0 (the VF driver then asks
# netdd for the group's MAC) and prints how many of the sender's
# sequence numbers it got, once none came for 2 s.
cat >"$SPLITVISOR_RUNDIR/mrecv.py" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             socket.inet_aton(sys.argv[1]) + socket.inet_aton(sys.argv[2]))
open(sys.argv[3], "w").close()
s.settimeout(30)
seen = set()
try:
    while True:
        seen.add(struct.unpack("!I", s.recv(64)[:4])[0])
        s.settimeout(2)
except socket.timeout:
    pass
print(len(seen))
EOF
cat >"$SPLITVISOR_RUNDIR/msend.py" <<'EOF'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(sys.argv[2]))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
for i in range(int(sys.argv[3])):
    s.sendto(struct.pack("!I", i) + b"x" * 60, (sys.argv[1], 5001))
    if i == 0:
        open(sys.argv[4], "w").close()
    time.sleep(0.01)
EOF
asked() { console_of "$1" | grep -c "VF 0 asked 3: done" || true; }
rm -f "$SPLITVISOR_RUNDIR/ready.m"
"$BIN/xl" exec "$t-a" -- python3 "$SPLITVISOR_RUNDIR/mrecv.py" "$GROUP" 10.19.0.2 \
    "$SPLITVISOR_RUNDIR/ready.m" >"$SPLITVISOR_RUNDIR/mrecv.out" 2>&1 &
receiver=$!
wait_ready 1
for i in $(seq 100); do
    [ "$(asked "$dd")" -gt 0 ] && break
    [ "$i" -lt 100 ] || fail "the VF never asked netdd for its group: $(console_of "$dd" | tail -3)"
    sleep 0.1
done

ip netns exec "sv-$t-host" tcpdump -i "$wire" -n -U -w "$SPLITVISOR_RUNDIR/wire.pcap" \
    ether dst "$MACB" 2>/dev/null &
dump=$!
sv_on_exit "kill $dump 2>/dev/null"
rm -f "$SPLITVISOR_RUNDIR"/ready.*
ip netns exec "sv-$t-host" python3 "$SPLITVISOR_RUNDIR/msend.py" "$GROUP" 10.19.0.1 $N \
    "$SPLITVISOR_RUNDIR/ready.s" &
sender=$!
wait_ready 1
"$BIN/xl" exec "$t-a" -- ping -i 0.05 -c 80 10.19.0.3 >"$SPLITVISOR_RUNDIR/ping.log" 2>&1 &
pinger=$!
sleep 0.3
kill -9 "$(domain_pid "$t-dd")"
dd2=$(wait_restarted "$t-dd" "$dd")
wait "$sender" || fail "the sender on the wire failed"
wait "$receiver" || true
got=$(tail -1 "$SPLITVISOR_RUNDIR/mrecv.out")
[ "$got" = "$N" ] || fail "a's VF got $got of $N datagrams to $GROUP across netdd's kill: $(cat "$SPLITVISOR_RUNDIR/mrecv.out")"
pass "netdd killed (domain $dd -> $dd2): a's VF got all $N datagrams to $GROUP, 10 ms apart, across it"

wait "$pinger" || true
wait_console "$dd2" "taken over without a reset" >/dev/null
dropped=$(console_of "$dd2" | sed -n 's/.*the VFs kept, \([0-9]*\) frames for the pools dropped.*/\1/p' | head -1)
lost=$(awk '/packets transmitted/ {print $1 - $4}' "$SPLITVISOR_RUNDIR/ping.log")
[ "${lost:-0}" -gt 0 ] || fail "no ping to b was lost: the kill missed the pings ($(tail -2 "$SPLITVISOR_RUNDIR/ping.log"))"
[ "${dropped:-0}" -gt 0 ] || fail "the new netdd counted no frame dropped for the pools: $(console_of "$dd2" | grep -m1 "taken over")"
sleep 0.5
kill "$dump" 2>/dev/null
wait "$dump" 2>/dev/null || true
leaked=$(tcpdump -r "$SPLITVISOR_RUNDIR/wire.pcap" -n 2>/dev/null | wc -l)
[ "$leaked" = 0 ] || fail "$leaked frames for b's MAC went out on the wire: $(tcpdump -r "$SPLITVISOR_RUNDIR/wire.pcap" -n -tttt 2>/dev/null | head -5)"
pass "a's pings to b: $lost of 80 lost while b's pool had no driver, $dropped frames for the pools dropped and counted by the NIC, none to b on the wire"
wait_ping "$t-a" 10.19.0.3
pass "b's vif is back on the new netdd and a reaches it"
