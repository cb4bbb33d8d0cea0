#!/usr/bin/env bash
# VFs whose PF the host drives (no driver domain holds it): the first VF
# given a MAC starts the host's PF driver (hostpf), which takes the PF
# (xl pci-list-all: Domain-0 (hostpf)) and serves the requests under
# /local/domain/0/backend/vf as netdd would.  Guests a and b on VFs of
# VLAN 42 reach each other, c on a VF of the untagged LAN reaches neither,
# and a's frames leave on the wire tagged 42.  The mailbox is answered:
# link-state disable/enable takes vf0's carrier down and up, a multicast
# group joined is asked for.  A VLAN change whose watch events hostpf's
# library dropped (a flood) is applied all the same (vf_config_resync).
# xl pci-assignable-add of the PF takes it from
# hostpf (which ends) and the VFs keep switching; a driver domain created
# then takes the requests over.
source "$(dirname "$0")/lib.sh"
require_root
command -v tcpdump >/dev/null || skip "needs tcpdump for the wire"
t=$SV_TEST_TAG
wire=sv-$t-w
host=sv-$t-host
PF=0000:03:00.0
sv_start --nic "--wire tap:$wire --vfs 3"
sv_on_exit "ip netns delete $host 2>/dev/null"
pidfile=$SPLITVISOR_RUNDIR/hostpf-$PF.pid
# (CONT: a test failing while hostpf is stopped, below, must not leave it so.)
sv_on_exit "[ -s '$pidfile' ] && kill \$(cat '$pidfile') 2>/dev/null && kill -CONT \$(cat '$pidfile') 2>/dev/null"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

# vf_guest NAME VF OPTIONS: a guest on VF 0000:03:10.VF, up once it drives it
vf_guest() {
    local d i
    "$BIN/xl" pci-assignable-add "0000:03:10.$2"
    printf 'name = "%s"\nmemory = 64\nkernel = "%s"\npci = [ "0000:03:10.%s,%s" ]\n' \
        "$t-$1" "$BIN/guest" "$2" "$3" >"$SPLITVISOR_RUNDIR/$t-$1.cfg"
    "$BIN/xl" create "$SPLITVISOR_RUNDIR/$t-$1.cfg" >/dev/null
    d=$("$BIN/xl" domid "$t-$1")
    for ((i = 0; i < 40; i++)); do
        [ "$(xenstore-read "/local/domain/$d/device/vf/0/state" 2>/dev/null)" = 4 ] && break
        [ "$i" -lt 39 ] || fail "$1 did not take its VF"
        sleep 0.25
    done
    echo "$d"
}
a=$(vf_guest a 0 mac=00:16:3e:5f:0f:01,vlan=42)
"$BIN/xl" pci-list-all | grep -Eq "^$PF +0 +PF .* no +Domain-0 \(hostpf\)$" \
    || fail "pci-list-all: $("$BIN/xl" pci-list-all)"
back=/local/domain/0/backend/vf/$a/0
[ "$(xenstore-read "$back/state")/$(xenstore-read "$back/vlan")" = 4/42 ] \
    || fail "request $back: $(xenstore-ls "$back" 2>&1)"
b=$(vf_guest b 1 mac=00:16:3e:5f:0f:02,vlan=42)
c=$(vf_guest c 2 mac=00:16:3e:5f:0f:03)
"$BIN/xl" exec "$t-a" -- ip -o link show vf0 | grep -q "link/ether 00:16:3e:5f:0f:01" \
    || fail "a's vf0 has not the MAC hostpf gave it"
pass "the first configured VF started hostpf: pci-list-all names it the PF's owner, it answered $back (state 4, vlan 42), vf0 has its MAC"

for g in a:2 b:3 c:4; do
    "$BIN/xl" exec "$t-${g%%:*}" -- ip addr add "10.18.0.${g#*:}/24" dev vf0
done
wait_ping "$t-a" 10.18.0.3
! "$BIN/xl" exec "$t-a" -- ping -c 2 -i 0.3 -W 1 10.18.0.4 >/dev/null 2>&1 || fail "a (VLAN 42) reaches c (untagged)"
! "$BIN/xl" exec "$t-c" -- ping -c 2 -i 0.3 -W 1 10.18.0.3 >/dev/null 2>&1 || fail "c (untagged) reaches b (VLAN 42)"
ip netns add "$host"
ip link set "$wire" netns "$host"
ip -n "$host" link set "$wire" up
# tagged: the VID of the ARP a sends for 10.18.0.99, as the wire sees it
tagged() {
    local dump
    timeout 10 ip netns exec "$host" tcpdump -i "$wire" -e -nn -l -c 1 "vlan and arp host 10.18.0.99" \
        >"$SPLITVISOR_RUNDIR/cap.txt" 2>/dev/null &
    dump=$!
    sleep 0.5
    "$BIN/xl" exec "$t-a" -- ping -c 3 -i 0.3 -W 1 10.18.0.99 >/dev/null 2>&1 || true
    wait "$dump" || fail "no tagged ARP of a on the wire"
    sed -n 's/.*vlan \([0-9]*\),.*/\1/p' "$SPLITVISOR_RUNDIR/cap.txt" | head -1
}
[ "$(tagged)" = 42 ] || fail "wire: $(cat "$SPLITVISOR_RUNDIR/cap.txt")"
pass "a <-> b on VLAN 42 through the NIC, c (untagged) cut off, a's frames tagged 42 on the wire"

log=$SPLITVISOR_RUNDIR/hostpf.log
xenstore-write "$back/link-state" disable
wait_console "$a" "link down \(the PF owner's word\)" >/dev/null
"$BIN/xl" exec "$t-a" -- ip link show vf0 | grep -q NO-CARRIER || fail "vf0 keeps its carrier"
xenstore-write "$back/link-state" enable
wait_console "$a" "link up \(the PF owner's word\)" >/dev/null
n=$(grep -c "VF 0 asked 3: done" "$log" || true)
"$BIN/xl" exec "$t-a" -- ip maddr add 01:00:5e:01:02:03 dev vf0
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c "VF 0 asked 3: done" "$log" || true)" -gt "$n" ] && break
    [ "$i" -lt 99 ] || fail "hostpf took no multicast list: $(tail -3 "$log")"
    sleep 0.1
done
wait_ping "$t-a" 10.18.0.3
pass "hostpf answers the mailbox: LINK notices down and up, the multicast list asked for (SET_MCAST)"

# a's request changed while hostpf could not keep up with its watch: it is
# stopped while dom0 writes 6000 distinct nodes under the watched
# backend/vf, then a's VLAN (42 -> 43), and continued; its library's queue
# (4096 events) drops what came last, the change among them.
hp=$(cat "$pidfile")
kill -STOP "$hp"
"$TESTBIN/xsflood" burst "$back/flood" 6000 >"$SPLITVISOR_RUNDIR/flood.out"
xenstore-write "$back/vlan" 43
kill -CONT "$hp"
for ((i = 0; i < 100; i++)); do
    grep -q "watch events were dropped: reading every VF request again" "$log" && break
    [ "$i" -lt 99 ] || fail "hostpf dropped no event (no overflow made: $(cat "$SPLITVISOR_RUNDIR/flood.out")): $(tail -3 "$log")"
    sleep 0.1
done
vid=$(tagged)
[ "$vid" = 43 ] || fail "after the dropped events a sends tagged ${vid:-?}, not 43: $(tail -5 "$log")"
xenstore-write "$back/vlan" 42
wait_ping "$t-a" 10.18.0.3
pass "events dropped while a's VLAN went 42 -> 43: hostpf read every request again, a's frames left tagged 43; back on 42 (an event seen) it reaches b"

hp=$(cat "$pidfile")
"$BIN/xl" pci-assignable-add $PF
! kill -0 "$hp" 2>/dev/null || fail "hostpf $hp still runs after pci-assignable-add"
"$BIN/xl" pci-list-all | grep -Eq "^$PF +0 +PF .* yes +Domain-0$" || fail "pci-list-all: $("$BIN/xl" pci-list-all)"
wait_ping "$t-a" 10.18.0.3
dd=$(sv_netdd "$t-dd")
back=/local/domain/$dd/backend/vf/$a/0
for ((i = 0; i < 40; i++)); do
    [ "$(xenstore-read "$back/state" 2>/dev/null)" = 4 ] && break
    [ "$i" -lt 39 ] || fail "netdd did not take a's request over: $(console_of "$dd" | tail -3)"
    sleep 0.25
done
wait_ping "$t-a" 10.18.0.3
pass "pci-assignable-add $PF: hostpf let go (ended), the VFs kept switching, and netdd took the requests over"
! grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$log" \
    || fail "hostpf (ended) reported: $(grep -m3 -E "Sanitizer|runtime error" "$log")"
pass "hostpf.log has no sanitizer report"
