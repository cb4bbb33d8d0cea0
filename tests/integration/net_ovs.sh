#!/usr/bin/env bash
# Open vSwitch interop: the NIC's wire (a host TAP) is a trunk port of an
# OVS bridge, and a namespace hangs off the same bridge on an access port
# of VLAN 42.  A splitvisor guest on VLAN 42 (its frames leave the NIC
# tagged 42) pings the namespace and back and moves data with iperf3; an
# untagged guest reaches nothing there.  OVS runs privately (its own
# database, sockets and logs in the test's run directory, the userspace
# "netdev" datapath, so no kernel module is needed) and is stopped by pid.
# Skips with the reason when OVS is missing or does not start.
source "$(dirname "$0")/lib.sh"
require_root
for c in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl; do
    command -v $c >/dev/null || skip "needs Open vSwitch ($c: Debian's openvswitch-switch)"
done
schema=/usr/share/openvswitch/vswitch.ovsschema
[ -f "$schema" ] || skip "no OVS schema at $schema"
t=$SV_TEST_TAG
wire=sv-$t-w
ns=sv-$t-ns
sv_start --nic "--wire tap:$wire"

ovs=$SPLITVISOR_RUNDIR/ovs
mkdir -p "$ovs"
export OVS_RUNDIR=$ovs OVS_LOGDIR=$ovs OVS_DBDIR=$ovs OVS_SYSCONFDIR=$ovs
db=unix:$ovs/db.sock
vsctl() { ovs-vsctl --db="$db" --timeout=20 "$@"; }
br=sv-$t-br
# The netdev datapath's bridge port is a persistent TAP: it outlives
# ovs-vswitchd unless the bridge is deleted first.
ovs_stop() {
    local p
    [ -f "$ovs/ovs-vswitchd.pid" ] && vsctl --timeout=5 --if-exists del-br "$br" 2>/dev/null
    for p in ovs-vswitchd ovsdb-server; do
        [ -f "$ovs/$p.pid" ] && kill "$(cat "$ovs/$p.pid")" 2>/dev/null
    done
    ip link delete "$br" 2>/dev/null
    return 0
}
sv_on_exit ovs_stop
sv_on_exit "ip link delete sv-$t-o 2>/dev/null"
ovsdb-tool create "$ovs/conf.db" "$schema" >/dev/null || skip "ovsdb-tool cannot create a database"
ovsdb-server "$ovs/conf.db" --remote="punix:$ovs/db.sock" --pidfile="$ovs/ovsdb-server.pid" \
    --unixctl="$ovs/ovsdb-server.ctl" --log-file="$ovs/ovsdb-server.log" --detach \
    || skip "ovsdb-server does not start: $(tail -3 "$ovs/ovsdb-server.log" 2>/dev/null)"
vsctl --no-wait init || skip "ovs-vsctl cannot reach ovsdb-server"
ovs-vswitchd "$db" --pidfile="$ovs/ovs-vswitchd.pid" --unixctl="$ovs/ovs-vswitchd.ctl" \
    --log-file="$ovs/ovs-vswitchd.log" --detach \
    || skip "ovs-vswitchd does not start: $(tail -3 "$ovs/ovs-vswitchd.log" 2>/dev/null)"
vsctl add-br "$br" -- set bridge "$br" datapath_type=netdev \
    || skip "OVS cannot make a userspace bridge: $(tail -3 "$ovs/ovs-vswitchd.log")"
pass "Open vSwitch $(ovs-vswitchd --version | awk 'NR == 1 {print $NF}') runs privately (netdev datapath)"

# The wire: a trunk port (OVS ports without tag or trunks carry every
# VLAN); the namespace: an access port of VLAN 42 on a veth pair.
ip link set "$wire" up
vsctl add-port "$br" "$wire"
ip netns add "$ns"
ip link add sv-$t-o type veth peer name eth0 netns "$ns"
ip link set sv-$t-o up
vsctl add-port "$br" sv-$t-o tag=42
ip -n "$ns" addr add 10.17.0.9/24 dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" link set lo up
# The netdev datapath sends what it gets whole: no offloads it would have
# to finish on the veth.
ip netns exec "$ns" ethtool -K eth0 tso off gso off tx off >/dev/null 2>&1 || true
ethtool -K sv-$t-o tso off gso off tx off >/dev/null 2>&1 || true

sv_netdd "$t-dd" >/dev/null
sv_guest "$t-v" "$t-dd" 10.17.0.2/24 bridge=xenbr0.42 >/dev/null
sv_guest "$t-u" "$t-dd" 10.17.0.3/24 >/dev/null
wait_ping "$t-v" 10.17.0.9
ip netns exec "$ns" ping -c 3 -i 0.3 -W 2 10.17.0.2 >/dev/null || fail "the namespace cannot ping the guest"
pass "a guest on VLAN 42 and a namespace on OVS's VLAN 42 access port ping both ways"
vsctl list port "$wire" >/dev/null || fail "the wire is no OVS port"
ovs-appctl -t "$ovs/ovs-vswitchd.ctl" fdb/show "$br" | awk '$2 == 42' | grep -q . \
    || fail "OVS learned no MAC on VLAN 42: $(ovs-appctl -t "$ovs/ovs-vswitchd.ctl" fdb/show "$br")"
pass "OVS learned the guest's MAC on VLAN 42 (the frames crossed its trunk port tagged)"

! "$BIN/xl" exec "$t-u" -- ping -c 2 -i 0.3 -W 1 10.17.0.9 >/dev/null 2>&1 \
    || fail "the untagged guest reaches the namespace on VLAN 42"
pass "the untagged guest does not reach OVS's VLAN 42"

if command -v iperf3 >/dev/null; then
    ip netns exec "$ns" iperf3 -s -1 -D --logfile "$SPLITVISOR_RUNDIR/iperf-ns.log"
    sleep 0.5
    out=$("$BIN/xl" exec "$t-v" -- iperf3 -c 10.17.0.9 -t 2 -f m) || fail "iperf3 guest -> OVS: $out"
    rate=$(awk '/receiver/ {print $(NF - 2)}' <<<"$out")
    pass "iperf3 guest -> namespace across OVS: $rate Mbit/s"
fi
