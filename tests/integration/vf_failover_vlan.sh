#!/usr/bin/env bash
# VF <-> PV failover on VLANs: guest a's vif is VLAN 42 untagged and a
# trunk of VLAN 43 (bridge=xenbr0.42:43), and its VF, teamed with it, gets
# the same from netdd (port VLAN 42, VLAN 43 tagged: the request's vlan and
# trunk keys).  On each path (the VF, then the vif after xl pci-detach,
# then the VF again after pci-attach) a's frames keep their VLANs: untagged
# ones reach VLAN 42 alone (guest v42) and leave on the wire tagged 42;
# frames a tags 43 itself reach VLAN 43 alone (v43) and leave tagged 43
# (the VF driver puts back the tag the kernel takes out of frames read
# from eth0's far end); a tag outside the trunk (44) reaches nobody; v43's
# frames reach a tagged 43.  The untagged LAN (guest u) hears none of it.
source "$(dirname "$0")/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3 for tagged frames"
command -v tcpdump >/dev/null || skip "needs tcpdump for the wire"
t=$SV_TEST_TAG
wire=sv-$t-w
host=sv-$t-host
VF0=0000:03:10.0
MACA=00:16:3e:5f:0e:01
sv_start --nic "--wire tap:$wire --vfs 2 --pools 8"
sv_on_exit "ip netns delete $host 2>/dev/null"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

dd=$(sv_netdd "$t-dd")
sv_guest_up "$t-v42" "$t-dd" 10.16.0.3/24 bridge=xenbr0.42
sv_guest_up "$t-v43" "$t-dd" 10.16.0.4/24 bridge=xenbr0.43
sv_guest_up "$t-u" "$t-dd" 10.16.0.5/24
"$BIN/xl" pci-assignable-add $VF0
printf 'name = "%s"\nmemory = 64\nkernel = "%s"\nvif = [ "backend=%s,mac=%s,ip=10.16.0.2/24,bridge=xenbr0.42:43" ]\npci = [ "%s,failover=0" ]\n' \
    "$t-a" "$BIN/guest" "$t-dd" "$MACA" "$VF0" >"$SPLITVISOR_RUNDIR/$t-a.cfg"
"$BIN/xl" create "$SPLITVISOR_RUNDIR/$t-a.cfg" >/dev/null
a=$("$BIN/xl" domid "$t-a")
wait_vf() {
    local i
    for ((i = 0; i < 40; i++)); do
        [ "$(xenstore-read "/local/domain/$a/device/vf/0/state" 2>/dev/null)" = 4 ] && return 0
        sleep 0.25
    done
    fail "the guest did not take its VF"
}
wait_vf
back=/local/domain/$dd/backend/vf/$a/0
got=$(xenstore-read "$back/vlan")/$(xenstore-read "$back/trunk")
[ "$got" = 42/43 ] || fail "vlan/trunk in $back: $got"
wait_console "$dd" "backend/vif/$a/0 stands by" >/dev/null
pass "the teamed VF's request has vif 0's VLANs (vlan 42, trunk 43); netdd makes the vif a standby"

ip netns add "$host"
ip link set "$wire" netns "$host"
ip -n "$host" link set "$wire" up
vf_tx() { "$BIN/xl" network-list "$t-a" | awk '$1 ~ /^vf/ {for (i = 1; i < NF; i++) if ($i == "tx") print $(i + 1)}'; }
declare -A mac
for g in a v43; do
    mac[$g]=$("$BIN/xl" exec "$t-$g" -- ip -o link show eth0 | grep -o "link/ether [0-9a-f:]*" | cut -d' ' -f2)
done
bcast=ff:ff:ff:ff:ff:ff
# probe FROM VID G...: FROM broadcasts 10 raw frames tagged VID (0: none)
# while each G counts them; seen[G] = "N VID".  The wire's copies, as
# tcpdump prints them, go to $SPLITVISOR_RUNDIR/wire.txt.
declare -A seen
probe() {
    local from=$1 vid=$2 magic=SV$RANDOM$RANDOM dump g
    shift 2
    timeout 60 ip netns exec "$host" tcpdump -i "$wire" -e -nn -l "ether proto 0x88b5 or (vlan and ether proto 0x88b5)" \
        >"$SPLITVISOR_RUNDIR/wire.txt" 2>/dev/null &
    dump=$!
    raw_listeners "$SV_RAW_FRAMES" "$magic" 30 "$t-" "$@"
    "$BIN/xl" exec "$t-$from" -- python3 "$SV_RAW_FRAMES" send eth0 $bcast "${mac[$from]}" "$vid" "$magic" 10 \
        || fail "$from cannot send raw frames"
    touch "$SPLITVISOR_RUNDIR/raw.done"
    for g; do
        wait_seen "$g"
        seen[$g]=$(cat "$SPLITVISOR_RUNDIR/seen.$g")
    done
    sleep 0.5
    kill "$dump" 2>/dev/null || true
    wait "$dump" 2>/dev/null || true
}
wait_seen() { # G: its counter printed its verdict
    local i
    for ((i = 0; i < 100; i++)); do
        [ -s "$SPLITVISOR_RUNDIR/seen.$1" ] && return 0
        sleep 0.1
    done
    fail "$1's counter said nothing"
}
got() { # FROM WHAT VID G: G got most of the frames, on VLAN VID
    [ "${seen[$4]% *}" -ge 5 ] && [ "${seen[$4]#* }" = "$3" ] \
        || fail "$4 did not get $1's $2 on VLAN $3 (${seen[$4]})"
}
none() { # FROM WHAT G...: none of G saw a frame
    local from=$1 what=$2 g
    shift 2
    for g; do
        [ "${seen[$g]% *}" = 0 ] || fail "$from's $what reached $g (${seen[$g]})"
    done
}
on_wire() { # TAG: a's copies on the wire, every one tagged TAG
    local w=$SPLITVISOR_RUNDIR/wire.txt n
    n=$(grep -c "^[0-9:.]* ${mac[a]} > " "$w" || true)
    [ "$n" -ge 5 ] || fail "$n of a's frames on the wire: $(cat "$w")"
    [ "$(grep -c "^[0-9:.]* ${mac[a]} > .*vlan $1, p 0, ethertype Unknown (0x88b5)" "$w")" = "$n" ] \
        || fail "not all of a's frames tagged $1 on the wire: $(cat "$w")"
}

# check PATH: what each of the paths must do alike
check() {
    wait_ping "$t-a" 10.16.0.3
    ! "$BIN/xl" exec "$t-a" -- ping -c 2 -i 0.3 -W 1 10.16.0.5 >/dev/null 2>&1 \
        || fail "$1: a reaches the untagged LAN"
    probe a 0 v42 v43 u
    got a "untagged broadcast" 0 v42
    none a "untagged broadcast" v43 u
    on_wire 42
    probe a 43 v42 v43 u
    got a "broadcast tagged 43" 0 v43
    none a "broadcast tagged 43" v42 u
    on_wire 43
    probe a 44 v42 v43 u
    none a "broadcast tagged 44" v42 v43 u
    probe v43 0 a u
    got v43 "untagged broadcast" 43 a
    none v43 "untagged broadcast" u
}

tx0=$(vf_tx)
check "on the VF"
tx1=$(vf_tx)
[ $((tx1 - tx0)) -ge 20 ] || fail "the VF sent $((tx1 - tx0)) frames: a's traffic is not on it"
pass "on the VF ($((tx1 - tx0)) frames sent): untagged -> VLAN 42 (tagged 42 on the wire), tagged 43 -> VLAN 43 (tagged 43), 44 -> nobody, VLAN 43 -> a tagged; the untagged LAN hears none"

"$BIN/xl" pci-detach "$t-a" "$VF0"
wait_console "$a" "vf0 unplugged: its vif carries the traffic" >/dev/null
check "on the vif"
pass "on the vif after pci-detach: the same VLANs, the same tags on the wire"

"$BIN/xl" pci-attach "$t-a" "$VF0,failover=0"
wait_vf
sleep 1
tx0=$(vf_tx)
check "on the VF again"
tx1=$(vf_tx)
[ $((tx1 - tx0)) -ge 20 ] || fail "after pci-attach the VF sent $((tx1 - tx0)) frames"
pass "on the VF again after pci-attach: the same VLANs"
