#!/usr/bin/env bash
# IP anti-spoofing from a vif's addresses (xl ip=, libvirt <ip address>), as
# Xen's vif-bridge script does with iptables and libvirt's clean-traffic
# filter: a guest's raw frames whose IPv4 or IPv6 source, or ARP sender,
# is not its own are dropped in netdd's TX path, before the NIC, and
# counted (ip-spoofed in the backend directory, xl network-list), while its
# own frames and the other guests' traffic go on.  The NIC has three pools:
# a and b (created first) get pools 1 and 2, c and d share pool 0 through
# netdd's software switch; e, with no address configured, is on the switch
# too and its frames pass as before, whatever their source.
source "$(dirname "$0")/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3 for raw frames"
t=$SV_TEST_TAG
sv_start --nic "--wire none --pools 3 --vfs 0"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

dd=$(sv_netdd "$t-dd")
guest() { # NAME IPS: created once the previous guest has connected
    local d
    d=$(sv_guest "$1" "$t-dd" "$2")
    wait_console "$d" "connected to" >/dev/null
}
guest "$t-a" "10.16.0.2/24 fd16::2/64"
guest "$t-b" 10.16.0.3/24
guest "$t-c" "10.16.0.4/24 fd16::4/64"
guest "$t-d" 10.16.0.5/24
printf 'name = "%s"\nmemory = 64\nkernel = "%s"\nvif = [ "backend=%s" ]\n' \
    "$t-e" "$BIN/guest" "$t-dd" >"$SPLITVISOR_RUNDIR/$t-e.cfg"
"$BIN/xl" create "$SPLITVISOR_RUNDIR/$t-e.cfg" >/dev/null
wait_console "$("$BIN/xl" domid "$t-e")" "connected to" >/dev/null
for g in a:"pool 1" b:"pool 2" c:"software switch" d:"software switch" e:"software switch"; do
    "$BIN/xl" network-list "$t-${g%%:*}" | grep -q "${g#*:}" \
        || fail "${g%%:*} is not on ${g#*:}: $("$BIN/xl" network-list "$t-${g%%:*}")"
done
wait_ping "$t-a" 10.16.0.5
wait_ping "$t-c" 10.16.0.3
pass "a, b on pools 1-2; c, d, e on the software switch; a and c reach the others"

raw=$SPLITVISOR_RUNDIR/raw.py
cat >"$raw" <<'PY'
import socket, struct, sys, time
KINDS = ("ipv4", "arp", "ipv6")
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b + b"\0" * (len(b) % 2)))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
def frame(kind, mac, src, magic):
    eth = b"\xff" * 6 + mac
    payload = magic.encode()
    if kind == "ipv4":  # UDP to 10.16.0.255:7777
        udp = struct.pack("!HHHH", 7777, 7777, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                         socket.inet_aton(src), socket.inet_aton("10.16.0.255"))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        return eth + b"\x08\x00" + ip + udp
    if kind == "arp":  # a gratuitous reply: "src is at mac", magic in the padding
        arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, mac, socket.inet_aton(src),
                          b"\xff" * 6, socket.inet_aton(src))
        return eth + b"\x08\x06" + arp + payload
    udp = struct.pack("!HHHH", 7777, 7777, 8 + len(payload), 0) + payload  # ipv6, to ff02::1
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(udp), 17, 64,
                     socket.inet_pton(socket.AF_INET6, src),
                     socket.inet_pton(socket.AF_INET6, "ff02::1"))
    return eth + b"\x86\xdd" + ip + udp
if sys.argv[1] == "send":  # send IFACE MAC SRC4 SRC6 MAGIC COUNT
    _, _, ifc, mac, src4, src6, magic, count = sys.argv
    mac = bytes.fromhex(mac.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifc, 0))
    for _ in range(int(count)):
        for kind, src in zip(KINDS, (src4, src4, src6)):
            s.send(frame(kind, mac, src, magic + kind))
        time.sleep(0.01)
else:  # count IFACE MAGIC SECONDS READY-FILE: prints the count of each kind
    _, _, ifc, magic, secs, ready = sys.argv
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((ifc, 0))
    s.settimeout(0.2)
    open(ready, "w").close()
    end, n = time.time() + float(secs), dict.fromkeys(KINDS, 0)
    while time.time() < end:
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        for kind in KINDS:
            if addr[2] != socket.PACKET_OUTGOING and (magic + kind).encode() in data:
                n[kind] += 1
    print(*(n[k] for k in KINDS))
PY
guests=(a b c d e)
declare -A mac seen
for g in "${guests[@]}"; do
    mac[$g]=$("$BIN/xl" exec "$t-$g" -- ip -o link show eth0 | grep -o "link/ether [0-9a-f:]*")
    mac[$g]=${mac[$g]#link/ether }
done
spoofed() { xenstore-read "/local/domain/$dd/backend/vif/$("$BIN/xl" domid "$t-$1")/0/ip-spoofed"; }
# probe FROM SRC4 SRC6: FROM sends 10 of each kind (IPv4, ARP, IPv6) from
# these sources once every other guest listens, while c pings d and b
# pings a; seen[G] = "IPV4 ARP IPV6" frames G got.
probe() {
    local from=$1 magic=SV$RANDOM$RANDOM g i ping_b ping_c
    rm -f "$SPLITVISOR_RUNDIR"/ready.*
    for g in "${guests[@]}"; do
        [ "$g" = "$from" ] && continue
        "$BIN/xl" exec "$t-$g" -- timeout 30 python3 "$raw" count eth0 "$magic" 6 \
            "$SPLITVISOR_RUNDIR/ready.$g" >"$SPLITVISOR_RUNDIR/seen.$g" 2>&1 &
    done
    for ((i = 0; i < 200; i++)); do
        [ "$(ls "$SPLITVISOR_RUNDIR" | grep -c "^ready\.")" -eq $((${#guests[@]} - 1)) ] && break
        sleep 0.05
    done
    "$BIN/xl" exec "$t-c" -- ping -c 10 -i 0.1 -W 2 10.16.0.5 >"$SPLITVISOR_RUNDIR/ping.c" 2>&1 &
    ping_c=$!
    "$BIN/xl" exec "$t-b" -- ping -c 10 -i 0.1 -W 2 10.16.0.2 >"$SPLITVISOR_RUNDIR/ping.b" 2>&1 &
    ping_b=$!
    "$BIN/xl" exec "$t-$from" -- python3 "$raw" send eth0 "${mac[$from]}" "$2" "$3" "$magic" 10 \
        || fail "$from cannot send raw frames"
    wait $ping_c || fail "c lost pings to d while $from sent: $(cat "$SPLITVISOR_RUNDIR/ping.c")"
    wait $ping_b || fail "b lost pings to a while $from sent: $(cat "$SPLITVISOR_RUNDIR/ping.b")"
    wait
    for g in "${guests[@]}"; do
        [ "$g" = "$from" ] || seen[$g]=$(cat "$SPLITVISOR_RUNDIR/seen.$g")
    done
}
# expect FROM WHAT "IPV4 ARP IPV6" G...: each G got this many of each kind
# (10: all of them, 0: none)
expect() {
    local from=$1 what=$2 want=$3 g
    shift 3
    for g; do
        [ "${seen[$g]}" = "$want" ] || fail "$g got '${seen[$g]}' of $from's $what, not '$want'"
    done
}

# Their own sources: everything arrives.
probe a 10.16.0.2 fd16::2
expect a "own frames" "10 10 10" b c d e
probe c 10.16.0.4 fd16::4
expect c "own frames" "10 10 10" a b d e
pass "frames from a guest's own addresses pass (pool and switch)"

# Another guest's addresses (b's and d's), and one nobody has.
for from in a c; do
    for src in "10.16.0.3 fd16::3" "10.16.0.5 fd16::5" "10.16.0.99 fd16::99"; do
        probe "$from" $src
        # shellcheck disable=SC2046
        expect "$from" "frames from $src" "0 0 0" $(printf '%s\n' "${guests[@]}" | grep -vx "$from")
    done
done
pass "spoofed IPv4, ARP and IPv6 frames from a (pool 1) and c (switch) reach no guest"
pass "the other guests' pings lost nothing meanwhile"

sleep 1.5 # netdd publishes the counters every second
for g in a c; do
    n=$(spoofed "$g") || fail "no ip-spoofed for $g"
    [ "$n" -ge 90 ] || fail "$g: ip-spoofed $n, want >= 90 (9 probes of 10 of each kind)"
    "$BIN/xl" network-list "$t-$g" | grep -q "ip-spoofed $n" \
        || fail "xl network-list $g does not show ip-spoofed $n: $("$BIN/xl" network-list "$t-$g")"
done
n=$(spoofed b) || fail "no ip-spoofed for b"
[ "$n" = 0 ] || fail "b sent nothing spoofed but ip-spoofed is $n"
pass "ip-spoofed counts them, in xenstore and xl network-list: a $(spoofed a), c $(spoofed c), b 0"

# No address configured: no filter, as before.
probe e 10.16.0.3 fd16::3
expect e "frames (no filter)" "10 10 10" a b c d
spoofed e >/dev/null 2>&1 && fail "e has no addresses but an ip-spoofed counter"
pass "e, without addresses, sends from any source as before"
