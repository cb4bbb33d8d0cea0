#!/usr/bin/env bash
# The NIC's wire as a VXLAN endpoint (RFC 7348, UDP 4789): a guest and a
# Linux vxlan device in a namespace of ours share one VNI (ping, iperf3 both
# ways); then a second splitvisor instance on this host, its NIC joined to
# the first by VXLAN, passes guest <-> guest traffic; garbage from a peer
# (short, another VNI, no I flag, a flood) is dropped and the link lives.
source "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "needs iperf3"
command -v python3 >/dev/null || skip "needs python3"
command -v ethtool >/dev/null || skip "needs ethtool"
ip link add "sv-${SV_TEST_TAG}p" type vxlan id 1 dstport 4789 2>/dev/null || skip "no vxlan in this kernel"
ip link delete "sv-${SV_TEST_TAG}p"
t=$SV_TEST_TAG
ns=sv-$t-vx
# Addresses of this run alone: 198.18.N.0/30 on a veth into the namespace,
# 127.N.M.2 for the second instance; the VNI from the pid too.
n=$(($$ % 250 + 1))
m=$(($$ / 250 % 250 + 1))
host=198.18.$n.1 peer=198.18.$n.2 second=127.$n.$m.2
vni=$((100000 + $$ % 100000))

sv_on_exit "ip link delete sv-$t-vh 2>/dev/null"
ip netns add "$ns"
ip link add "sv-$t-vh" mtu 1600 type veth peer name vxu mtu 1600 netns "$ns"
ip addr add "$host/30" dev "sv-$t-vh"
ip link set "sv-$t-vh" up
ip -n "$ns" addr add "$peer/30" dev vxu
ip -n "$ns" link set vxu up
ip -n "$ns" link set lo up
ip -n "$ns" link add vx0 mtu 1500 type vxlan id "$vni" dstport 4789 local "$peer" remote "$host"
ip -n "$ns" addr add 10.11.0.100/24 dev vx0
# The namespace's stack would leave the inner TCP/UDP checksums to an
# offload that a veth never performs: our UDP socket would get them
# unfinished, as no frame on a real wire is.
ip netns exec "$ns" ethtool -K vx0 tx off >/dev/null
ip -n "$ns" link set vx0 up

sv_start --nic "--wire vxlan:$vni,local=$host,remote=$peer,remote=$second"
first=$SPLITVISOR_RUNDIR
sv_netdd "$t-dd" >/dev/null
sv_guest "$t-a" "$t-dd" 10.11.0.2/24 >/dev/null
wait_ping "$t-a" 10.11.0.100
ip netns exec "$ns" ping -c 1 -W 2 10.11.0.2 >/dev/null || fail "namespace to guest"
pass "guest <-> Linux vxlan device on VNI $vni: ping both ways"

# The Linux end learnt the guest's MAC behind our address: it decoded our
# datagrams as VXLAN of its VNI.
ip netns exec "$ns" bridge fdb show dev vx0 | grep -v "^00:00:00:00:00:00" | grep -q "dst $host " ||
    fail "the namespace's vxlan device did not learn the guest behind $host: $(ip netns exec "$ns" bridge fdb show dev vx0)"

ip netns exec "$ns" iperf3 -s -1 -D --logfile "$first/iperf-ns.log"
sleep 0.5
out=$("$BIN/xl" exec "$t-a" -- iperf3 -c 10.11.0.100 -t 3 -f m) || fail "iperf3 guest -> namespace: $out"
up=$(awk '/receiver/ {print $(NF - 2)}' <<<"$out")
ip netns exec "$ns" iperf3 -s -1 -D --logfile "$first/iperf-ns2.log"
sleep 0.5
out=$("$BIN/xl" exec "$t-a" -- iperf3 -c 10.11.0.100 -t 3 -R -f m) || fail "iperf3 namespace -> guest: $out"
down=$(awk '/receiver/ {print $(NF - 2)}' <<<"$out")
pass "iperf3 over VXLAN: guest -> namespace $up Mbit/s, namespace -> guest $down Mbit/s"

# A hostile peer: the namespace sends garbage from the peer's own address
# to the NIC's port (short, no I flag, another VNI, a VNI-correct datagram
# holding no full Ethernet header), 20 000 of them as fast as it can; the
# guest still reaches the namespace right after.
ip netns exec "$ns" python3 - "$host" "$vni" <<'PY'
import socket, struct, sys
host, vni = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
hdr = lambda flags, v: struct.pack("!B3xI", flags, v << 8)
bad = [b"", b"\x08", hdr(0x08, vni), hdr(0x08, vni) + b"\xff" * 13, hdr(0x00, vni) + b"\xff" * 60,
       hdr(0x08, vni ^ 1) + b"\xff" * 60, hdr(0x08, vni) + b"\x00" * 70000]
for i in range(20000):
    try:
        s.sendto(bad[i % len(bad)][:65000], (host, 4789))
    except OSError:
        pass
PY
wait_ping "$t-a" 10.11.0.100
grep -q "wire vxlan: .* datagrams dropped" "$first/nic0.log" || fail "the NIC did not count the garbage"
pass "garbage and a flood from a peer's address dropped; the link lives"

# A second instance on this host: its own run directory, domain names and
# loopback address; its NIC's only peer is the first one's.
second_dir=$(mktemp -d /tmp/sv-test.XXXXXX)
sv_on_exit "SPLITVISOR_RUNDIR=$second_dir $BIN/splitvisor stop >/dev/null 2>&1; rm -rf $second_dir"
SPLITVISOR_RUNDIR=$second_dir "$BIN/splitvisor" start --nic "--wire vxlan:$vni,local=$second,remote=$host" >/dev/null
(
    SPLITVISOR_RUNDIR=$second_dir
    sv_netdd "$t-dd2" >/dev/null
    sv_guest "$t-b" "$t-dd2" 10.11.0.3/24 >/dev/null
    wait_ping "$t-b" 10.11.0.2
)
wait_ping "$t-a" 10.11.0.3
pass "two splitvisor instances joined by VXLAN: guest <-> guest ping"
SPLITVISOR_RUNDIR=$second_dir "$BIN/xl" exec "$t-b" -- iperf3 -s -1 -D --logfile "$second_dir/iperf-b.log"
sleep 0.5
out=$("$BIN/xl" exec "$t-a" -- iperf3 -c 10.11.0.3 -t 3 -f m) || fail "iperf3 across instances: $out"
pass "iperf3 guest -> guest across instances: $(awk '/receiver/ {print $(NF - 2)}' <<<"$out") Mbit/s"
! grep -H "runtime error\|Sanitizer" "$first/nic0.log" "$second_dir/nic0.log" || fail "a sanitizer report in a NIC's log"
