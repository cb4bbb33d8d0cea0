#!/usr/bin/env bash
# The guest's end of a vif: xl makes eth0 a veth with peer nf0 (one queue
# pair per netif queue each; nf0 answers no ARP and has no IPv6 address),
# and the hypervisor hands the domain packet sockets on nf0 shaped for it.
# A testdom domain with vif 0 tries what it may do with them: it cannot make
# a packet socket of its own nor get one on a device that is not there; on
# the one it gets, every SOL_PACKET option (a ring, another fanout group,
# vnet headers off) is refused by its seccomp filter and a bind elsewhere by
# the kernel (fanout member); a frame it sends arrives on its own eth0.
source "$(dirname "$0")/lib.sh"
require_root
sv_start --nic "--wire none"
t=$SV_TEST_TAG
ns=sv-$t-ps

sv_netdd "$t-dd" >/dev/null
cfg=$SPLITVISOR_RUNDIR/$t-ps.cfg
printf 'name = "%s"\nmemory = 16\nkernel = "%s"\nextra = "pktsock"\nvif = [ "backend=%s,ip=10.31.0.2/24,queues=2" ]\n' \
    "$t-ps" "$TESTBIN/testdom" "$t-dd" >"$cfg"
"$BIN/xl" create "$cfg" >/dev/null
d=$("$BIN/xl" domid "$t-ps")

# (output captured first: grep -q ending a pipe early fails it under pipefail)
eth0=$(ip -n "$ns" -d link show eth0)
nf0=$(ip -n "$ns" -d link show nf0)
grep -q "veth" <<<"$eth0" || fail "eth0 is not a veth: $eth0"
grep -q "numtxqueues 2 numrxqueues 2" <<<"$eth0" || fail "eth0 has not 2 queue pairs"
grep -q "numtxqueues 2 numrxqueues 2" <<<"$nf0" || fail "nf0 has not 2 queue pairs"
grep -q "NOARP" <<<"$nf0" || fail "nf0 answers ARP"
[ -z "$(ip -n "$ns" -6 addr show dev nf0)" ] || fail "nf0 has an IPv6 address"
grep -q "10.31.0.2/24" <<<"$(ip -n "$ns" addr show dev eth0)" || fail "eth0 has not its IP"
pass "eth0 is a veth with peer nf0, 2 queue pairs each; nf0 has no ARP, no IPv6 address"

wait_console "$d" "^RAW_SOCKET Operation not permitted$" >/dev/null
wait_console "$d" "^NO_NF No such device$" >/dev/null
wait_console "$d" "^PKTSOCK allowed$" >/dev/null
for what in RX_RING FANOUT VNET_OFF; do
    wait_console "$d" "^$what Operation not permitted$" >/dev/null
done
wait_console "$d" "^REBIND Invalid argument$" >/dev/null
wait_console "$d" "^SEND allowed$" >/dev/null
# nf0 sends nothing of its own: what eth0 received is the domain's frame.
rx=$(ip -n "$ns" -s -j link show eth0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])')
[ "$rx" -ge 1 ] || fail "the frame sent on the socket did not reach eth0"

pass "no packet socket of its own; the hypervisor's on nf0 only: no ring, no fanout, no rebind; frames reach eth0"
