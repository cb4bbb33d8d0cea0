#!/usr/bin/env bash
# IP anti-spoofing from a vif's addresses (xl ip=, libvirt <ip address>), as
# Xen's vif-bridge script does with iptables and libvirt's clean-traffic
# filter: a guest's raw frames whose IPv4 or IPv6 source, or ARP sender,
# is not its own are dropped in netdd's TX path, before the NIC, and
# counted (ip-filtered in the backend directory, xl network-list), while its
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
guest() { sv_guest_up "$1" "$t-dd" "$2"; }
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
TAGS = [who + kind for who in ("own", "spf") for kind in KINDS]
if sys.argv[1] == "send":  # send IFACE MAC OWN4 OWN6 SRC4 SRC6 MAGIC COUNT
    _, _, ifc, mac, own4, own6, src4, src6, magic, count = sys.argv
    mac = bytes.fromhex(mac.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifc, 0))
    for _ in range(int(count)):
        for who, v4, v6 in (("own", own4, own6), ("spf", src4, src6)):
            for kind, src in zip(KINDS, (v4, v4, v6)):
                s.send(frame(kind, mac, src, magic + who + kind))
        time.sleep(0.01)
    for _ in range(5):  # the receivers stop at the first that arrives
        s.send(frame("ipv4", mac, own4, magic + "end"))
        time.sleep(0.05)
else:  # count IFACE MAGIC SECONDS READY-FILE: "OWN(IPV4 ARP IPV6) SPOOFED(IPV4 ARP IPV6)",
    # once the sender's end frame came (or after SECONDS)
    _, _, ifc, magic, secs, ready = sys.argv[:6]  # raw_listeners adds a DONE-FILE we need not
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((ifc, 0))
    s.settimeout(0.2)
    open(ready, "w").close()
    end, n = time.time() + float(secs), dict.fromkeys(TAGS, 0)
    while time.time() < end:
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        if (magic + "end").encode() in data:
            break
        for tag in TAGS:
            if (magic + tag).encode() in data:
                n[tag] += 1
    print(*(n[t] for t in TAGS))
PY
guests=(a b c d e)
declare -A mac seen
for g in "${guests[@]}"; do
    mac[$g]=$("$BIN/xl" exec "$t-$g" -- ip -o link show eth0 | grep -o "link/ether [0-9a-f:]*")
    mac[$g]=${mac[$g]#link/ether }
done
spoofed() { xenstore-read "/local/domain/$dd/backend/vif/$("$BIN/xl" domid "$t-$1")/0/ip-filtered"; }
# probe FROM SRC4 SRC6: FROM sends 10 frames of each kind (IPv4, ARP,
# IPv6) from its own addresses and 10 from these, interleaved, once every
# other guest listens, while c pings d and b pings a; seen[G] = the six
# counts G got: own IPv4 ARP IPv6, then those from SRC4/SRC6.
probe() {
    local from=$1 magic=SV$RANDOM$RANDOM g ping_b ping_c others=()
    for g in "${guests[@]}"; do [ "$g" = "$from" ] || others+=("$g"); done
    raw_listeners "$raw" "$magic" 25 "$t-" "${others[@]}"
    "$BIN/xl" exec "$t-c" -- ping -c 10 -i 0.1 -W 2 10.16.0.5 >"$SPLITVISOR_RUNDIR/ping.c" 2>&1 &
    ping_c=$!
    "$BIN/xl" exec "$t-b" -- ping -c 10 -i 0.1 -W 2 10.16.0.2 >"$SPLITVISOR_RUNDIR/ping.b" 2>&1 &
    ping_b=$!
    "$BIN/xl" exec "$t-$from" -- python3 "$raw" send eth0 "${mac[$from]}" ${own[$from]} "$2" "$3" \
        "$magic" 10 || fail "$from cannot send raw frames"
    wait $ping_c || fail "c lost pings to d while $from sent: $(cat "$SPLITVISOR_RUNDIR/ping.c")"
    wait $ping_b || fail "b lost pings to a while $from sent: $(cat "$SPLITVISOR_RUNDIR/ping.b")"
    wait
    for g in "${guests[@]}"; do
        [ "$g" = "$from" ] || seen[$g]=$(cat "$SPLITVISOR_RUNDIR/seen.$g")
    done
}
# expect FROM SPOOFED G...: each G got some of FROM's own frames of every
# kind (a guest that is slow to post buffers may lose a few, as any
# receiver), and of the others some too (SPOOFED=passed) or none at all
# (SPOOFED=dropped)
expect() {
    local from=$1 want=$2 g n
    shift 2
    for g; do
        read -ra n <<<"${seen[$g]}"
        [ "${#n[@]}" = 6 ] && [ "${n[0]}" -gt 0 ] && [ "${n[1]}" -gt 0 ] && [ "${n[2]}" -gt 0 ] \
            || fail "$g did not get $from's own IPv4, ARP and IPv6 frames (got ${seen[$g]})"
        if [ "$want" = dropped ]; then
            [ "${n[3]}${n[4]}${n[5]}" = 000 ] \
                || fail "$g got $from's spoofed frames (IPv4 ARP IPv6: ${n[*]:3})"
        else
            [ "${n[3]}" -gt 0 ] && [ "${n[4]}" -gt 0 ] && [ "${n[5]}" -gt 0 ] \
                || fail "$g did not get $from's unfiltered frames (got ${seen[$g]})"
        fi
    done
}
others() { printf '%s\n' "${guests[@]}" | grep -vx "$1"; }
declare -A own=([a]="10.16.0.2 fd16::2" [c]="10.16.0.4 fd16::4" [e]="10.16.0.6 fd16::6")

# Another guest's addresses (b's and d's), and one nobody has, beside
# frames from the sender's own.
for from in a c; do
    for src in "10.16.0.3 fd16::3" "10.16.0.5 fd16::5" "10.16.0.99 fd16::99"; do
        probe "$from" $src
        # shellcheck disable=SC2046
        expect "$from" dropped $(others "$from")
    done
done
pass "frames from a guest's own addresses pass, from others' or nobody's reach no guest (a on pool 1, c on the switch): IPv4, ARP and IPv6"
pass "the other guests' pings lost nothing meanwhile"

sleep 1.5 # netdd publishes the counters every second
for g in a c; do
    n=$(spoofed "$g") || fail "no ip-filtered for $g"
    [ "$n" = 90 ] || fail "$g: ip-filtered $n, want 90 (3 probes of 10 of each of 3 kinds)"
    "$BIN/xl" network-list "$t-$g" | grep -q "ip-filtered $n" \
        || fail "xl network-list $g does not show ip-filtered $n: $("$BIN/xl" network-list "$t-$g")"
done
n=$(spoofed b) || fail "no ip-filtered for b"
[ "$n" = 0 ] || fail "b sent nothing spoofed but ip-filtered is $n"
pass "ip-filtered counts them, in xenstore and xl network-list: a $(spoofed a), c $(spoofed c), b 0"

# No address configured: no filter, as before.
probe e 10.16.0.3 fd16::3
# shellcheck disable=SC2046
expect e passed $(others e)
spoofed e >/dev/null 2>&1 && fail "e has no addresses but an ip-filtered counter"
pass "e, without addresses, sends from any source as before"
