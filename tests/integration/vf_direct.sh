#!/usr/bin/env bash
# Direct assignment: guest a drives an SR-IOV VF itself, guest b a vif on
# netdd (which owns the PF).  netdd configures the VF for the toolstack (MAC,
# port VLAN 42, anti-spoofing) before a gets it; a's interface vf0 carries
# that MAC; ping and iperf3 a <-> b and a -> a host on the wire (VLAN 42
# tagged there); a's frames pass no netback (the VF's own counters move);
# a frame from the VF with a foreign source MAC is dropped and counted;
# an FLR of the VF under the guest (xl pci-reset) is seen and recovered
# from; a second VF hot-plugged with pci-attach works and pci-detach
# takes it back.
source "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "needs iperf3"
t=$SV_TEST_TAG
wire=sv-$t-w
VF0=0000:03:10.0
VF1=0000:03:10.1
MAC0=00:16:3e:5f:0a:01
MAC1=00:16:3e:5f:0a:02
sv_start --nic "--wire tap:$wire --vfs 2"
sv_on_exit "ip netns delete sv-$t-host 2>/dev/null"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

dd=$(sv_netdd "$t-dd")
b=$(sv_guest "$t-b" "$t-dd" 10.13.0.3/24 bridge=xenbr0.42)
"$BIN/xl" pci-assignable-add $VF0
"$BIN/xl" pci-assignable-add $VF1
printf 'name = "%s"\nmemory = 64\nkernel = "%s"\npci = [ "%s,mac=%s,vlan=42" ]\n' \
    "$t-a" "$BIN/guest" "$VF0" "$MAC0" >"$SPLITVISOR_RUNDIR/$t-a.cfg"
"$BIN/xl" create "$SPLITVISOR_RUNDIR/$t-a.cfg" >/dev/null
a=$("$BIN/xl" domid "$t-a")
back=/local/domain/$dd/backend/vf/$a/0
[ "$(xenstore-read "$back/state")" = 4 ] || fail "netdd did not configure the VF"
[ "$(xenstore-read "$back/mac")/$(xenstore-read "$back/vlan")" = "$MAC0/42" ] || fail "request in $back"
for i in $(seq 40); do
    [ "$(xenstore-read "/local/domain/$a/device/vf/0/state" 2>/dev/null)" = 4 ] && break
    [ "$i" -lt 40 ] || fail "the guest did not take its VF"
    sleep 0.25
done
mac_of() { "$BIN/xl" exec "$t-a" -- ip -br link show "$1" | awk '{print $3}'; }
mac=$(mac_of vf0)
[ "$mac" = "$MAC0" ] || fail "vf0 has MAC $mac, not the VF's $MAC0"
pass "netdd configured the VF (state 4 in $back); the guest's vf0 has its MAC $mac"

"$BIN/xl" exec "$t-a" -- ip addr add 10.13.0.2/24 dev vf0
wait_ping "$t-a" 10.13.0.3
wait_ping "$t-b" 10.13.0.2
pass "ping between the VF guest and the vif guest (VLAN 42)"

vf_counter() { # GUEST NAME: the VF row's counter in xl network-list
    "$BIN/xl" network-list "$1" | awk -v k="$2" '$1 ~ /^vf/ {for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'
}
tx0=$(vf_counter "$t-a" tx)
sv_iperf "$t-a" "$t-b" 10.13.0.3 -t 3
pass "3-second iperf3 VF guest -> vif guest ($SV_IPERF_RATE Mbit/s)"
sv_iperf "$t-b" "$t-a" 10.13.0.2 -t 3
pass "3-second iperf3 vif guest -> VF guest ($SV_IPERF_RATE Mbit/s)"
tx1=$(vf_counter "$t-a" tx)
[ $((tx1 - tx0)) -gt 1000 ] || fail "the VF sent $((tx1 - tx0)) packets during iperf3"
grep -q "vif/$a/" "$SPLITVISOR_RUNDIR/console/$dd.log" && fail "netdd served a vif of $t-a"
[ -z "$(xenstore-ls "/local/domain/$dd/backend/vif/$a" 2>/dev/null)" ] || fail "a has a vif on netdd"
pass "a's frames went through its VF ($((tx1 - tx0)) packets), no netback on the path"

# A host on the wire, untagged: a's VF is on VLAN 42 only, so the host's
# address on a's subnet is out of its reach.
ip netns add "sv-$t-host"
ip link set "$wire" netns "sv-$t-host"
ip -n "sv-$t-host" link set "$wire" up
ip -n "sv-$t-host" addr add 10.13.0.1/24 dev "$wire"
"$BIN/xl" exec "$t-a" -- ping -c 2 -W 1 10.13.0.1 >/dev/null 2>&1 && fail "VLAN 42 reached the untagged wire"
pass "the VF is an access port of VLAN 42: an untagged host is out of reach"

# A foreign source MAC: the NIC drops the frames and counts them.
sp0=$(vf_counter "$t-a" spoofed)
"$BIN/xl" exec "$t-a" -- ip link set vf0 address 00:16:3e:5f:0a:99
"$BIN/xl" exec "$t-a" -- ping -c 3 -W 1 10.13.0.3 >/dev/null 2>&1 && fail "spoofed frames got through"
sp1=$(vf_counter "$t-a" spoofed)
[ $((sp1 - sp0)) -ge 3 ] || fail "spoofed counter went $sp0 -> $sp1"
"$BIN/xl" exec "$t-a" -- ip link set vf0 address "$MAC0"
pass "frames with a foreign source MAC dropped and counted ($((sp1 - sp0)))"

# Another guest cannot take a's VF, nor change its MAC on the way.
err=$("$BIN/xl" pci-attach "$t-b" "$VF0,mac=00:16:3e:5f:0a:66" 2>&1) && fail "a's VF attached to b"
grep -q "assigned to a domain" <<<"$err" || fail "unclear error: $err"
[ "$(xenstore-read "$back/state")/$(mac_of vf0)" = "4/$MAC0" ] || fail "a's VF configuration changed"
wait_ping "$t-a" 10.13.0.3
pass "a's VF cannot be attached to b, and keeps its configuration"

# An FLR of a's VF under it (the host's reset): its driver finds the
# queue disabled, drops vf0's carrier, starts the queue again and vf0
# carries pings again, its address kept.  A driver that did not notice
# would hand the dead queue every frame.
"$BIN/xl" pci-reset "$VF0"
wait_console "$a" "VF $VF0: started again" >/dev/null
console_of "$a" | grep -q "VF $VF0: its queue was reset under us (FLR or removal): carrier off" ||
    fail "the driver did not say it lost vf0: $(console_of "$a" | tail -3)"
tx0=$(vf_counter "$t-a" tx)
wait_ping "$t-a" 10.13.0.3
"$BIN/xl" exec "$t-a" -- ping -c 5 -i 0.2 -W 1 10.13.0.3 >/dev/null || fail "vf0 lost pings after the FLR"
[ $(($(vf_counter "$t-a" tx) - tx0)) -ge 5 ] || fail "the VF sent $(($(vf_counter "$t-a" tx) - tx0)) frames after its FLR"
pass "an FLR of vf0's VF: the driver started it again, vf0 goes on ($(console_of "$a" | grep -o "started again [0-9]* ms after the reset" | tail -1))"

# Hot plug: a second VF, on the untagged LAN, where the wire host is.
"$BIN/xl" pci-attach "$t-a" "$VF1,mac=$MAC1"
for i in $(seq 40); do
    [ "$(xenstore-read "/local/domain/$a/device/vf/1/state" 2>/dev/null)" = 4 ] && break
    [ "$i" -lt 40 ] || fail "the guest did not take the hot-plugged VF"
    sleep 0.25
done
[ "$(mac_of vf1)" = "$MAC1" ] || fail "vf1's MAC"
"$BIN/xl" exec "$t-a" -- ip addr add 10.14.0.2/24 dev vf1
ip -n "sv-$t-host" addr add 10.14.0.1/24 dev "$wire"
wait_ping "$t-a" 10.14.0.1
ip netns exec "sv-$t-host" iperf3 -s -1 -D --logfile "$SPLITVISOR_RUNDIR/iperf-w.log"
sleep 0.5
out=$("$BIN/xl" exec "$t-a" -- iperf3 -c 10.14.0.1 -t 2 -f m) || fail "iperf3 to the wire: $out"
"$BIN/xl" network-list "$t-a" | grep -q "^vf1 .*$VF1 .*$MAC1" || fail "network-list: $("$BIN/xl" network-list "$t-a")"
"$BIN/xl" list -l "$t-a" | grep -q "$MAC1" || fail "the kept description lost the hot-plugged VF"
pass "pci-attach: vf1 up with its MAC, listed; ping and iperf3 to the wire host ($(awk '/receiver/ {print $7; exit}' <<<"$out") Mbit/s)"

# A frame longer than a buffer of the VF driver's (2 KiB; the NIC spreads
# it over several) that is not a whole packet of another vport's (RSC) is
# longer than vf1's MTU: dropped whole, no tail of it reaches vf1.
rx_of() { "$BIN/xl" exec "$t-a" -- awk -v d="$1:" '$1 == d {print $3}' /proc/net/dev; }
ip -n "sv-$t-host" link set "$wire" mtu 9000
rx0=$(rx_of vf1)
ip netns exec "sv-$t-host" ping -c 5 -i 0.2 -W 1 -s 4000 10.14.0.2 >/dev/null 2>&1 || true
rx1=$(rx_of vf1)
[ $((rx1 - rx0)) -lt 3 ] || fail "vf1 took $((rx1 - rx0)) frames of 5 jumbo pings (their tails)"
pass "jumbo frames to the VF are dropped whole (vf1 took $((rx1 - rx0)) frames)"

"$BIN/xl" pci-detach "$t-a" "$VF1"
wait_console "$a" "vf1 unplugged" >/dev/null
xenstore-read "$back/../1/state" 2>/dev/null && fail "the request of the detached VF is left"
"$BIN/xl" pci-list "$t-a" | grep -q "$VF1" && fail "$VF1 still assigned"
wait_ping "$t-a" 10.13.0.3
pass "pci-detach: the guest let go first, vf0 goes on"

"$BIN/xl" dumpxml "$t-a" | grep -q "<interface type=\"hostdev\" managed=\"yes\">" \
    || fail "dumpxml: $("$BIN/xl" dumpxml "$t-a")"
"$BIN/xl" destroy "$t-a"
wait_console "$dd" "backend/vf/$a/0: VF 0 released" >/dev/null
xenstore-ls "/local/domain/$dd/backend/vf/$a" >/dev/null 2>&1 && fail "destroy left the VF request"
pass "dumpxml shows the VF interface; destroy has netdd take the VF's configuration back"
