#!/usr/bin/env bash
# vifs on a VLAN are access ports: their frames carry the tag on the wire,
# the guests see them untagged, and they reach only their VLAN.  vifs
# without one are access ports of the untagged LAN: a frame they tag
# themselves goes nowhere (counted as spoofed), and they receive no tagged
# frame; only a vif configured as a trunk (trunk=42) sends and receives
# VLAN 42 tagged.  The NIC has four pools, so of six guests the first three
# (created one after the other) get pools 1 to 3 — where the NIC applies
# the rule — and the last three share pool 0 through netdd's software
# switch, which applies it in software:
#   v1  VLAN 42   pool 1        u1  untagged  pool 2      k1  trunk 42  pool 3
#   v2  VLAN 42   switch        u2  untagged  switch      k2  trunk 42  switch
# On the wire TAP, tcpdump sees v1's and v2's frames tagged 42, u1's not.
source "$(dirname "$0")/lib.sh"
require_root
t=$SV_TEST_TAG
wire=sv-$t-w
host=sv-$t-host
sv_start --nic "--wire tap:$wire --pools 4"
sv_on_exit "ip netns delete $host 2>/dev/null"

sv_netdd "$t-dd" >/dev/null
guest() { sv_guest_up "$1" "$t-dd" "$2" "${3:-}"; } # NAME IP [VIF-KEYS]
guest "$t-v1" 10.15.0.2/24 bridge=xenbr0.42
guest "$t-u1" 10.15.0.3/24
guest "$t-k1" 10.15.0.6/24 trunk=42
guest "$t-v2" 10.15.0.4/24 bridge=xenbr0.42
guest "$t-u2" 10.15.0.5/24
guest "$t-k2" 10.15.0.7/24 trunk=42

export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket
v1=$("$BIN/xl" domid "$t-v1")
dd=$("$BIN/xl" domid "$t-dd")
[ "$(xenstore-read "/local/domain/$dd/backend/vif/$v1/0/vlan")" = 42 ] || fail "no vlan key for v1"
k1=$("$BIN/xl" domid "$t-k1")
[ "$(xenstore-read "/local/domain/$dd/backend/vif/$k1/0/trunk")" = 42 ] || fail "no trunk key for k1"
for g in v1:"pool 1" u1:"pool 2" k1:"pool 3" v2:"software switch" u2:"software switch" \
    k2:"software switch"; do
    "$BIN/xl" network-list "$t-${g%%:*}" | grep -q "${g#*:}" \
        || fail "${g%%:*} is not on ${g#*:}: $("$BIN/xl" network-list "$t-${g%%:*}")"
done
pass "the vlan and trunk keys reach netdd; v1, u1, k1 on pools 1-3; v2, u2, k2 on the software switch"

wait_ping "$t-v1" 10.15.0.4
wait_ping "$t-v2" 10.15.0.2
wait_ping "$t-u1" 10.15.0.5
wait_ping "$t-u2" 10.15.0.3
pass "VLAN 42 pool <-> switch and untagged pool <-> switch both ways"

unreachable() { # FROM IP
    ! "$BIN/xl" exec "$1" -- ping -c 2 -i 0.3 -W 1 "$2" >/dev/null 2>&1 || fail "$1 reaches $2 across VLANs"
}
unreachable "$t-v1" 10.15.0.3 # pool 1 -> pool 2, through the NIC
unreachable "$t-v1" 10.15.0.5 # pool 1 -> switch
unreachable "$t-v2" 10.15.0.5 # switch -> switch, inside netdd
unreachable "$t-u1" 10.15.0.4 # pool 2 -> switch
pass "no guest reaches the other VLAN (NIC, switch and mixed paths)"

# Frames a guest tags itself.  This kernel may lack 8021q (no eth0.42), so
# guests send and count raw frames (ethertype 0x88b5, a magic string)
# through AF_PACKET; a receiver reports how many it got and the VLAN of the
# last one (0: untagged; the kernel moves a received tag into the packet's
# metadata).
command -v python3 >/dev/null || skip "needs python3 for the tagged-frame half"
raw=$SV_RAW_FRAMES
guests=(v1 u1 k1 v2 u2 k2)
declare -A mac seen
for g in "${guests[@]}"; do
    # (not /sys/class/net: xl exec changes the network namespace, not /sys)
    mac[$g]=$("$BIN/xl" exec "$t-$g" -- ip -o link show eth0 | grep -o "link/ether [0-9a-f:]*")
    mac[$g]=${mac[$g]#link/ether }
done
bcast=ff:ff:ff:ff:ff:ff
# probe FROM DST-MAC VID: FROM sends 10 frames once every other guest G
# listens; seen[G] = "N VID"
probe() {
    local from=$1 magic=SV$RANDOM$RANDOM g others=()
    for g in "${guests[@]}"; do [ "$g" = "$from" ] || others+=("$g"); done
    raw_listeners "$raw" "$magic" 3 "$t-" "${others[@]}"
    "$BIN/xl" exec "$t-$from" -- python3 "$raw" send eth0 "$2" "${mac[$from]}" "$3" "$magic" 10 \
        || fail "$from cannot send raw frames"
    touch "$SPLITVISOR_RUNDIR/raw.done"
    wait
    for g in "${guests[@]}"; do
        [ "$g" = "$from" ] || seen[$g]=$(cat "$SPLITVISOR_RUNDIR/seen.$g")
    done
}
# none FROM WHAT G...: none of G saw a frame
none() {
    local from=$1 what=$2 g
    shift 2
    for g; do
        [ "${seen[$g]% *}" = 0 ] || fail "$from's $what reached $g (${seen[$g]})"
    done
}
# got FROM WHAT VID G...: each G got most of the frames, on VLAN VID
got() {
    local from=$1 what=$2 vid=$3 g
    shift 3
    for g; do
        [ "${seen[$g]% *}" -ge 5 ] && [ "${seen[$g]#* }" = "$vid" ] \
            || fail "$g did not get $from's $what on VLAN $vid (${seen[$g]})"
    done
}

probe u1 "${mac[v1]}" 42
none u1 "frames tagged 42 to v1" v1
probe u1 $bcast 42
none u1 "broadcast tagged 42" v1 u2 k1 v2 k2
probe u2 "${mac[v2]}" 42
none u2 "frames tagged 42 to v2" v2
probe u2 $bcast 42
none u2 "broadcast tagged 42" v1 u1 k1 v2 k2
pass "an untagged vif's own tag 42 reaches nobody (pool and switch)"

probe k1 $bcast 42
got k1 "broadcast tagged 42" 0 v1 v2
got k1 "broadcast tagged 42" 42 k2
none k1 "broadcast tagged 42" u1 u2
probe k2 $bcast 42
got k2 "broadcast tagged 42" 0 v1 v2
got k2 "broadcast tagged 42" 42 k1
none k2 "broadcast tagged 42" u1 u2
probe k1 $bcast 43
none k1 "broadcast tagged 43" v1 u1 v2 u2 k2
probe k2 $bcast 0
got k2 "untagged broadcast" 0 u1 u2 k1
none k2 "untagged broadcast" v1 v2
pass "trunks (pool and switch) carry VLAN 42 tagged both ways and the untagged LAN; VLAN 43 stays out"

sleep 1.5 # the switch publishes its counters every second
for g in u1 u2; do
    line=$("$BIN/xl" network-list "$t-$g" | awk 'NR == 2')
    n=$(grep -Eo "spoofed [0-9]+" <<<"$line" | awk '{print $2}')
    [ "${n:-0}" -ge 10 ] || fail "$g: its tagged frames are not counted: $line"
done
pass "xl network-list counts the dropped tagged frames (spoofed) on the pool and the switch"

# The wire: what leaves v1 (tagged by the NIC) and v2 (tagged by the
# switch) carries VLAN 42, what leaves u1 carries no tag.  (This kernel may
# lack 8021q, so no host VLAN interface answers; the tags are read off the
# TAP with tcpdump.  Tagged frames coming in are the NIC's port VLAN rule,
# exercised above by every VLAN 42 frame between the pool and the switch.)
command -v tcpdump >/dev/null || skip "needs tcpdump for the wire half"
ip netns add "$host"
ip link set "$wire" netns "$host"
ip -n "$host" link set "$wire" up
# seen_on_wire GUEST TARGET-IP: the first ARP for TARGET-IP on the wire,
# tagged or not, while GUEST pings it, as tcpdump prints it (in SEEN).
seen_on_wire() {
    local cap=$SPLITVISOR_RUNDIR/cap.txt dump
    timeout 10 ip netns exec "$host" tcpdump -i "$wire" -e -nn -l -c 1 \
        "arp host $2 or (vlan and arp host $2)" >"$cap" 2>/dev/null &
    dump=$!
    sleep 0.5
    "$BIN/xl" exec "$1" -- ping -c 3 -i 0.3 -W 1 "$2" >/dev/null 2>&1 || true
    wait "$dump" || fail "$1: no ARP for $2 on the wire"
    SEEN=$(cat "$cap")
}
seen_on_wire "$t-v1" 10.15.0.101
grep -q "vlan 42" <<<"$SEEN" || fail "v1: not tagged 42 on the wire: $SEEN"
seen_on_wire "$t-v2" 10.15.0.102
grep -q "vlan 42" <<<"$SEEN" || fail "v2: not tagged 42 on the wire: $SEEN"
seen_on_wire "$t-u1" 10.15.0.103
grep -q "vlan" <<<"$SEEN" && fail "u1: tagged on the wire: $SEEN"
pass "on the wire: v1's frames (NIC) and v2's (switch) tagged 42, u1's untagged"
