#!/usr/bin/env bash
# IP anti-spoofing holds against a guest that rewrites a frame after posting
# it.  A vif with an address has its large frames read in place by the NIC
# (zero-copy TX over the copybreak) but their headers copied into netdd,
# checked there, and sent from that copy.  badfront (tests/domains) sends
# 3000-byte UDP frames from its own address to guest b on a VMDq pool, as
# fast as netdd answers, while a thread of it flips their source in the
# granted page to 10.19.0.99 and back without pause.  netdd drops what it
# saw spoofed (ip-filtered); b must get frames from badfront's address and
# none from 10.19.0.99, whenever the guest changed its page.
# Then the same against the vif's broadcast budget: a guest without
# addresses flips its frames' destination between b and broadcast; netdd
# sends what it judged unicast as unicast, so b sees no more broadcasts
# than the budget (1000 a second, a burst of 256) lets through.
source "$(dirname "$0")/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3 for a raw-frame counter"
t=$SV_TEST_TAG
sv_start --nic "--wire none"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket
rd=$SPLITVISOR_RUNDIR

dd=$(sv_netdd "$t-dd")
wait_console "$dd" "TX packets over 2048 bytes read in place" >/dev/null
b=$(sv_guest "$t-b" "$t-dd" 10.19.0.3/24)
wait_console "$b" "connected to" >/dev/null
"$BIN/xl" network-list "$t-b" | grep -q "pool" || fail "b is not on a pool"
# Frames of 3000 bytes reach b's eth0 only over a larger MTU (veth checks it).
"$BIN/xl" exec "$t-b" -- ip link set nf0 mtu 9000
"$BIN/xl" exec "$t-b" -- ip link set eth0 mtu 9000
bmac=$("$BIN/xl" exec "$t-b" -- ip -o link show eth0 | grep -o "link/ether [0-9a-f:]*")
bmac=${bmac#link/ether }

# counter SCRIPT OUT: runs $rd/SCRIPT in b on eth0 until $rd/stop appears,
# its output in $rd/OUT; $counter is its pid.
counter() {
    rm -f "$rd/stop" "$rd/ready.b"
    "$BIN/xl" exec "$t-b" -- python3 "$rd/$1" eth0 "$rd/stop" "$rd/ready.b" \
        >"$rd/$2" 2>"$rd/$2.err" &
    counter=$!
    wait_ready 1
}
# badfront NAME MODE-ARGS VIF: a badfront guest whose vif connected; its
# last line, once its storm ended, in $done_line.
badfront() {
    local d
    printf '%s\n' "name = \"$1\"" "memory = 64" "kernel = \"$TESTBIN/badfront\"" \
        "extra = \"$2\"" "vif = [ '$3' ]" >"$rd/$1.cfg"
    "$BIN/xl" create "$rd/$1.cfg" >/dev/null
    d=$("$BIN/xl" domid "$1")
    wait_console "$d" "BACKEND CONNECTED" 15 >/dev/null
    "$BIN/xl" network-list "$1" | grep -q "pool" || fail "$1 is not on a pool"
    done_line=$(wait_console "$d" "REWROTE" 40)
}

cat >"$rd/count.py" <<'PY'
import socket, sys, os, time
# count IFACE STOP-FILE READY-FILE: "OWN SPOOFED" frames with SVREWRITE,
# by IPv4 source, until STOP-FILE appears (or 60 s)
_, ifc, stop, ready = sys.argv
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((ifc, 0))
s.settimeout(0.2)
open(ready, "w").close()
own = spoofed = 0
end = time.time() + 60
while time.time() < end and not os.path.exists(stop):
    try:
        data = s.recv(65535)
    except socket.timeout:
        continue
    if b"SVREWRITE" not in data:
        continue
    src = socket.inet_ntoa(data[26:30])
    if src == "10.19.0.2":
        own += 1
    else:
        spoofed += 1
        print("from", src, file=sys.stderr)
print(own, spoofed)
PY
counter count.py seen.b
badfront "$t-a" "rewrite-src $bmac 10.19.0.99 10.19.0.2" \
    "mac=00:16:3e:5f:19:02,backend=$t-dd,ip=10.19.0.2/24"
a=$("$BIN/xl" domid "$t-a")
touch "$rd/stop"
wait "$counter" || fail "the counter in b failed: $(cat "$rd/seen.b.err")"
read -r own spoofed <"$rd/seen.b"
echo "badfront: $done_line; b got $own from its address, $spoofed spoofed"
sleep 1.5 # netdd publishes ip-filtered every second
filtered=$(xenstore-read "/local/domain/$dd/backend/vif/$a/0/ip-filtered") \
    || fail "no ip-filtered for badfront"
echo "netdd dropped $filtered it saw spoofed"

[ "$spoofed" = 0 ] || fail "b got $spoofed frames from 10.19.0.99: $(head -3 "$rd/seen.b.err")"
[ "$own" -gt 0 ] || fail "b got none of badfront's frames"
[ "$filtered" -gt 0 ] || fail "netdd never saw a rewritten source: the rewrites did not race it"
pass "a guest rewriting its frames' source after posting them: $own arrived from its address, none spoofed ($filtered dropped by netdd)"
grep -Eq "AddressSanitizer|runtime error" "$rd/console/$dd.log" \
    && fail "netdd reported an error: $(tail -20 "$rd/console/$dd.log")"

# The broadcast budget: c flips its frames' destination (no addresses: no
# filter; its frames still go in place, headers from netdd's copy).
"$BIN/xl" destroy "$t-a"
cat >"$rd/bcast.py" <<'PY'
import ctypes, socket, struct, sys, os, time
# bcast IFACE STOP-FILE READY-FILE: "UNICAST BROADCAST" UDP frames to port
# 7777 that reached IFACE, counted by the kernel (PACKET_STATISTICS, drops
# included) behind a socket filter for each: no frame escapes the count
# because this loop was slow.
_, ifc, stop, ready = sys.argv
def counter(bcast):
    # ldb [0]; jset #1 (group bit); ldh [36] (UDP dport); jeq #7777; ret
    code = [(0x30, 0, 0, 0), (0x45, 0 if bcast else 3, 3 if bcast else 0, 1),
            (0x28, 0, 0, 36), (0x15, 0, 1, 7777), (0x06, 0, 0, 65535), (0x06, 0, 0, 0)]
    prog = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *c) for c in code))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.setsockopt(socket.SOL_SOCKET, 26, struct.pack("HL", len(code), ctypes.addressof(prog)))
    s.bind((ifc, 0))
    s.getsockopt(263, 6, 8)  # PACKET_STATISTICS: reading zeroes it
    return s, prog
socks = [counter(False), counter(True)]
open(ready, "w").close()
end = time.time() + 60
while time.time() < end and not os.path.exists(stop):
    time.sleep(0.1)
print(*(struct.unpack("II", s.getsockopt(263, 6, 8))[0] for s, _ in socks))
PY
counter bcast.py bcast.b
badfront "$t-c" "rewrite-dst $bmac 10.19.0.3 10.19.0.4" "mac=00:16:3e:5f:19:04,backend=$t-dd"
touch "$rd/stop"
wait "$counter" || fail "the counter in b failed: $(cat "$rd/bcast.b.err")"
read -r uni bcast <"$rd/bcast.b"
# badfront storms for 6 s (REWRITE_MS); the budget: a burst of 256, then
# 1000 a second, and a second more for the edges.
allowed=$((256 + 7 * 1000))
echo "c: $done_line; b got $uni unicast, $bcast broadcast (budget $allowed)"
[ "$uni" -gt 0 ] || fail "b got none of c's frames"
[ "$bcast" -le "$allowed" ] || fail "b got $bcast broadcasts from c, past the budget's $allowed"
pass "a guest flipping its frames' destination to broadcast stays within its budget ($bcast of $allowed)"
grep -Eq "AddressSanitizer|runtime error" "$rd/console/$dd.log" \
    && fail "netdd reported an error: $(tail -20 "$rd/console/$dd.log")"
pass "netdd reported no sanitizer error"
