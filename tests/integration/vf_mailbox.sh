#!/usr/bin/env bash
# The PF <-> VF mailbox messages (docs/xnic.md): guest a drives a VF that
# netdd configured, guest b a vif on netdd.  The VF's driver hears the link
# the PF owner gives it (link-state disable: vf0 loses its carrier; enable:
# back; a VF attached with xl's link_state=disable starts without one), and asks netdd for the multicast MACs vf0 joined: a group b pings
# reaches the untrusted VF only once it asked.  Killed and restarted, netdd
# (whose PF reset dropped the filters) sends a reset notice and the VF
# asks again.
source "$(dirname "$0")/lib.sh"
require_root
t=$SV_TEST_TAG
VF0=0000:03:10.0
MAC0=00:16:3e:5f:0d:01
GROUP=239.1.2.3
sv_start --nic "--vfs 2"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

dd=$(sv_netdd "$t-dd")
b=$(sv_guest "$t-b" "$t-dd" 10.17.0.3/24)
"$BIN/xl" pci-assignable-add $VF0
printf 'name = "%s"\nmemory = 64\nkernel = "%s"\npci = [ "%s,mac=%s" ]\n' \
    "$t-a" "$BIN/guest" "$VF0" "$MAC0" >"$SPLITVISOR_RUNDIR/$t-a.cfg"
"$BIN/xl" create "$SPLITVISOR_RUNDIR/$t-a.cfg" >/dev/null
a=$("$BIN/xl" domid "$t-a")
for i in $(seq 40); do
    [ "$(xenstore-read "/local/domain/$a/device/vf/0/state" 2>/dev/null)" = 4 ] && break
    [ "$i" -lt 40 ] || fail "the guest did not take its VF"
    sleep 0.25
done
back=/local/domain/$dd/backend/vf/$a/0
"$BIN/xl" exec "$t-a" -- ip addr add 10.17.0.2/24 dev vf0
wait_ping "$t-a" 10.17.0.3

# carrier: 1 or 0 as vf0's flags say (the guest's /sys is not its namespace's).
carrier() { "$BIN/xl" exec "$t-a" -- ip link show vf0 | grep -q "NO-CARRIER" && echo 0 || echo 1; }
# asked DOMID: how many multicast lists netdd DOMID took from a's VF.
asked() { console_of "$1" | grep -c "VF 0 asked 3: done" || true; }
wait_asked() { # DOMID MORE-THAN
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(asked "$1")" -gt "$2" ] && return 0
        sleep 0.1
    done
    fail "netdd $1 took no new multicast list from the VF: $(console_of "$1" | tail -3)"
}
xenstore-write "$back/link-state" disable
wait_console "$dd" "$back: VF 0 link disabled" >/dev/null
wait_console "$a" "link down \(the PF owner's word\)" >/dev/null
[ "$(carrier)" = 0 ] || fail "vf0's carrier is $(carrier) with the VF's link disabled"
xenstore-write "$back/link-state" enable
wait_console "$a" "link up \(the PF owner's word\)" >/dev/null
[ "$(carrier)" = 1 ] || fail "vf0's carrier is $(carrier) with the VF's link enabled"
wait_ping "$t-a" 10.17.0.3
pass "link-state disable/enable in $back: netdd's LINK notice takes vf0's carrier down and up"

# The same from the description: the pci options trust= and link_state=
# become the request's keys, and the VF starts with the link netdd gives it.
VF1=0000:03:10.1
"$BIN/xl" pci-assignable-add $VF1
"$BIN/xl" pci-attach "$t-a" "$VF1,mac=00:16:3e:5f:0d:02,trust=1,link_state=disable"
back1=/local/domain/$dd/backend/vf/$a/1
got=$(xenstore-read "$back1/trust")/$(xenstore-read "$back1/link-state")
[ "$got" = 1/disable ] || fail "trust/link-state in $back1: $got"
wait_console "$a" "VF $VF1: link down \(the PF owner's word\)" >/dev/null
"$BIN/xl" exec "$t-a" -- ip link show vf1 | grep -q "NO-CARRIER" || fail "vf1 has a carrier with link_state=disable"
"$BIN/xl" pci-detach "$t-a" "$VF1"
pass "pci-attach $VF1,trust=1,link_state=disable: the request says so and vf1 starts without a carrier"

vf_rx() { "$BIN/xl" network-list "$t-a" | awk '$1 ~ /^vf/ {for (i = 1; i < NF; i++) if ($i == "rx") print $(i + 1)}'; }
# ping_group N: b pings the group N times; how many frames a's VF got.
ping_group() {
    local r0
    r0=$(vf_rx)
    "$BIN/xl" exec "$t-b" -- ping -c "$1" -i 0.05 -W 1 -I eth0 -t 1 "$GROUP" >/dev/null 2>&1 || true
    echo $(($(vf_rx) - r0))
}
got=$(ping_group 10)
[ "$got" -lt 5 ] || fail "the untrusted VF got $got frames of a group it did not join"
n=$(asked "$dd")
"$BIN/xl" exec "$t-a" -- ip maddr add 01:00:5e:01:02:03 dev vf0
wait_asked "$dd" "$n"
got=$(ping_group 10)
[ "$got" -ge 10 ] || fail "the VF got $got of 10 frames of the group it joined"
pass "multicast: the VF asked netdd for 01:00:5e:01:02:03 (SET_MCAST), then got $got of 10 pings to $GROUP (none before)"

kill -9 "$(domain_pid "$t-dd")"
dd2=$(wait_restarted "$t-dd" "$dd")
wait_asked "$dd2" 0
got=$(ping_group 10)
[ "$got" -ge 10 ] || fail "after netdd's restart the VF got $got of 10 frames of its group"
pass "netdd restarted: its reset notice had the VF ask for its group again ($got of 10 pings)"
