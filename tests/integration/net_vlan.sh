#!/usr/bin/env bash
# vifs on a VLAN are access ports: their frames carry the tag on the wire,
# the guests see them untagged, and they reach only their VLAN.  The NIC has
# three pools, so of four guests the first two (created one after the other)
# get pools 1 and 2 — where the NIC tags and untags (port VLAN) — and the
# last two share pool 0 through netdd's software switch, which does the same
# in software:
#   v1  VLAN 42   pool 1        u1  untagged  pool 2
#   v2  VLAN 42   switch        u2  untagged  switch
# On the wire TAP, tcpdump sees v1's and v2's frames tagged 42, u1's not.
source "$(dirname "$0")/lib.sh"
require_root
t=$SV_TEST_TAG
wire=sv-$t-w
host=sv-$t-host
sv_start --nic "--wire tap:$wire --pools 3"
sv_on_exit "ip netns delete $host 2>/dev/null"

sv_netdd "$t-dd" >/dev/null
guest() { # NAME IP [VIF-KEYS]: created once the previous guest has connected
    local d
    d=$(sv_guest "$1" "$t-dd" "$2" "${3:-}")
    wait_console "$d" "connected to" >/dev/null
}
guest "$t-v1" 10.15.0.2/24 bridge=xenbr0.42
guest "$t-u1" 10.15.0.3/24
guest "$t-v2" 10.15.0.4/24 bridge=xenbr0.42
guest "$t-u2" 10.15.0.5/24

export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket
v1=$("$BIN/xl" domid "$t-v1")
dd=$("$BIN/xl" domid "$t-dd")
[ "$(xenstore-read "/local/domain/$dd/backend/vif/$v1/0/vlan")" = 42 ] || fail "no vlan key for v1"
for g in v1:"pool 1" u1:"pool 2" v2:"software switch" u2:"software switch"; do
    "$BIN/xl" network-list "$t-${g%%:*}" | grep -q "${g#*:}" \
        || fail "${g%%:*} is not on ${g#*:}: $("$BIN/xl" network-list "$t-${g%%:*}")"
done
pass "the vlan key reaches netdd; v1, u1 on pools 1, 2; v2, u2 on the software switch"

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
