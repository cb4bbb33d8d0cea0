#!/usr/bin/env bash
# VF <-> PV failover (net_failover): guest a has a vif on netdd and a VF
# teamed with it (pci failover=0), one interface eth0 for its programs.
# Traffic goes on the VF while it is there (the VF's counters move, the
# vif's pool's do not: the NIC delivers a's MAC to the VF alone); an
# iperf3 TCP stream to guest b survives xl pci-detach (the guest moves to
# the vif first), xl pci-attach (back to the VF), and the surprises: an FLR
# of the VF under the guest (xl pci-reset: its driver sees its queue
# disabled, moves to the vif and back once the VF runs again), a detach the
# guest does not answer (it is stopped: xl gives up waiting and takes the
# VF) and a forced one (xl pci-detach -f: the VF goes first, nobody asked).
# Each prints the pings lost (every 10 ms beside the stream), the longest
# time without an answer and the stream's longest gap.
# A guest writing its VF's state over and over moves its traffic at a
# bounded rate.
source "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "needs iperf3"
t=$SV_TEST_TAG
VF0=0000:03:10.0
MACA=00:16:3e:5f:0b:01
sv_start --nic "--vfs 2"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

dd=$(sv_netdd "$t-dd")
b=$(sv_guest "$t-b" "$t-dd" 10.15.0.3/24)
"$BIN/xl" pci-assignable-add $VF0
printf 'name = "%s"\nmemory = 64\nkernel = "%s"\nvif = [ "backend=%s,mac=%s,ip=10.15.0.2/24" ]\npci = [ "%s,failover=0" ]\n' \
    "$t-a" "$BIN/guest" "$t-dd" "$MACA" "$VF0" >"$SPLITVISOR_RUNDIR/$t-a.cfg"
"$BIN/xl" create "$SPLITVISOR_RUNDIR/$t-a.cfg" >/dev/null
a=$("$BIN/xl" domid "$t-a")
wait_vf() { # STATE: the guest's device/vf/N reaches it
    local i
    for ((i = 0; i < 40; i++)); do
        [ "$(xenstore-read "/local/domain/$a/device/vf/$1/state" 2>/dev/null)" = 4 ] && return 0
        sleep 0.25
    done
    fail "the guest did not take VF $1"
}
wait_vf 0
back=/local/domain/$dd/backend/vf/$a/0
[ "$(xenstore-read "$back/failover")/$(xenstore-read "$back/mac")" = "0/$MACA" ] \
    || fail "request in $back: $(xenstore-ls "$back")"
"$BIN/xl" exec "$t-a" -- ip link show vf0 >/dev/null 2>&1 && fail "a teamed VF got an interface of its own"
"$BIN/xl" network-list "$t-a" | grep -q "^vf0 .*failover eth0$" || fail "network-list: $("$BIN/xl" network-list "$t-a")"
wait_console "$dd" "backend/vif/$a/0 stands by" >/dev/null
pass "the VF takes vif 0's MAC, no vf0; netdd makes the vif a standby"

wait_ping "$t-a" 10.15.0.3
wait_ping "$t-b" 10.15.0.2
vf_counter() { # NAME: the VF row's counter in xl network-list
    "$BIN/xl" network-list "$t-a" | awk -v k="$1" '$1 ~ /^vf/ {for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'
}
pool_counter() { # NAME: the vif row's NIC pool counter
    "$BIN/xl" network-list "$t-a" | awk -v k="$1" '$1 == "0" {for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'
}
carries() { # vf|pool WHEN: that path sends the stream for 2 s
    local counter=${1}_counter what="the VF" before after
    [ "$1" = pool ] && what="the vif's pool"
    before=$($counter tx)
    sleep 2
    after=$($counter tx)
    [ $((after - before)) -gt 1000 ] || fail "$what sent $((after - before)) packets $2"
}
wait_vf_gone() {
    local i
    for ((i = 0; i < 40; i++)); do
        "$BIN/xl" network-list "$t-a" | grep -q '^vf' || return 0
        sleep 0.25
    done
    fail "the VF is still listed"
}

# gap LOG: the longest run of 0.1-second iperf3 intervals that moved
# nothing, in ms, and the sender's retransmissions.
gap() {
    awk '/sec/ && !/sender|receiver/ {n = ($7 == "0.00") ? n + 1 : 0; if (n > m) m = n}
         / sender/ {r = $9} END {printf "%d ms gap, %s retransmissions", m * 100, r}' "$1"
}
# stream SECONDS NAME: iperf3 a -> b in the background, -i 0.1, into
# $SPLITVISOR_RUNDIR/stream-NAME.log
stream() {
    "$BIN/xl" exec "$t-b" -- iperf3 -s -1 -D --logfile "$SPLITVISOR_RUNDIR/iperf-b.log"
    sleep 0.5
    "$BIN/xl" exec "$t-a" -- iperf3 -c 10.15.0.3 -t "$1" -i 0.1 -f m --forceflush \
        >"$SPLITVISOR_RUNDIR/stream-$2.log" 2>&1 &
    stream_pid=$!
}
# pings SECONDS NAME: a pings b every 10 ms in the background, into
# $SPLITVISOR_RUNDIR/pings-NAME.log
pings() {
    "$BIN/xl" exec "$t-a" -- ping -D -i 0.01 -c $(($1 * 100)) -W 1 10.15.0.3 \
        >"$SPLITVISOR_RUNDIR/pings-$2.log" 2>&1 &
    pings_pid=$!
}
# surprise NAME: waits for the stream and pings of NAME (the stream must
# live) and sets $said to their figures and $ping_gap to the longest time
# without an answer (ms).
surprise() {
    wait "$stream_pid" || fail "$1: the TCP stream broke: $(tail -5 "$SPLITVISOR_RUNDIR/stream-$1.log")"
    wait "$pings_pid" || true
    ping_gap=$(awk '/bytes from/ { ts = substr($1, 2, length($1) - 2) + 0
                                   if (last && ts - last > gap) gap = ts - last
                                   last = ts }
                    END { printf "%.0f", gap * 1000 }' "$SPLITVISOR_RUNDIR/pings-$1.log")
    said="pings lost $(awk '/packets transmitted/ {print $1 - $4 " of " $1}' "$SPLITVISOR_RUNDIR/pings-$1.log"), longest without an answer $ping_gap ms, stream: $(gap "$SPLITVISOR_RUNDIR/stream-$1.log")"
}

vtx0=$(vf_counter tx) ptx0=$(pool_counter tx)
sv_iperf "$t-a" "$t-b" 10.15.0.3 -t 2
vtx1=$(vf_counter tx) ptx1=$(pool_counter tx)
[ $((vtx1 - vtx0)) -gt 1000 ] || fail "the VF sent $((vtx1 - vtx0)) packets of the stream"
[ $((ptx1 - ptx0)) -lt 10 ] || fail "the standby vif's pool sent $((ptx1 - ptx0))"
prx=$(pool_counter rx)
[ "$prx" -lt 10 ] || fail "the standby vif's pool received $prx frames: the NIC delivers a's MAC there"
pass "iperf3 over eth0 on the VF ($SV_IPERF_RATE Mbit/s, $((vtx1 - vtx0)) VF packets; the vif's pool: rx $prx tx $((ptx1 - ptx0)))"

# Planned detach and re-attach under a TCP stream, and pings beside it:
# none answered twice (the NIC gives each frame to one path).
stream 25 planned
"$BIN/xl" exec "$t-a" -- ping -i 0.05 -c 300 10.15.0.3 >"$SPLITVISOR_RUNDIR/ping.log" 2>&1 &
ping_pid=$!
sleep 3
t0=$(date +%s%N)
"$BIN/xl" pci-detach "$t-a" "$VF0"
t1=$(date +%s%N)
wait_console "$a" "vf0 unplugged: its vif carries the traffic" >/dev/null
"$BIN/xl" pci-list "$t-a" | grep -q "$VF0" && fail "$VF0 still assigned"
carries pool "after the detach"
"$BIN/xl" pci-attach "$t-a" "$VF0,failover=0"
wait_vf 0
sleep 1
carries vf "after the re-attach"
wait "$stream_pid" || fail "the TCP stream broke: $(tail -5 "$SPLITVISOR_RUNDIR/stream-planned.log")"
wait "$ping_pid" || true
grep -q "DUP!" "$SPLITVISOR_RUNDIR/ping.log" && fail "duplicate answers: $(grep -c "DUP!" "$SPLITVISOR_RUNDIR/ping.log")"
lost=$(awk '/packets transmitted/ {print $1 - $4}' "$SPLITVISOR_RUNDIR/ping.log")
[ -n "$lost" ] || fail "ping: $(tail -3 "$SPLITVISOR_RUNDIR/ping.log")"
pass "pci-detach ($(((t1 - t0) / 1000000)) ms) moved the stream to the vif, pci-attach back to the VF; TCP survived ($(gap "$SPLITVISOR_RUNDIR/stream-planned.log")); pings: $lost of 300 lost, none twice"

# A guest toggling its VF's state (3 <-> 4, 100 times, a write every
# 10 ms) moves the traffic at netdd's rate for it (a burst of 4, then 5 a
# second), not once a write; its last word (4: it drives the VF) is what
# holds after.
moves() { console_of "$dd" | grep -cE "backend/vif/$a/0 (stands by|carries its MAC again)"; }
m0=$(moves)
f0=$(date +%s%N)
"$TESTBIN/xsflood" flip "/local/domain/$a/device/vf/0/state" 3 4 100 10 >/dev/null
sleep 1
m1=$(moves)
elapsed_ms=$((($(date +%s%N) - f0) / 1000000))
bound=$((4 + 5 * (elapsed_ms + 999) / 1000 + 1))
[ $((m1 - m0)) -le "$bound" ] || fail "200 state writes moved the traffic $((m1 - m0)) times in $elapsed_ms ms (at most $bound)"
[ $((m1 - m0)) -ge 2 ] || fail "200 state writes moved the traffic $((m1 - m0)) times: netdd did not see them"
console_of "$dd" | grep -E "backend/vif/$a/0 (stands by|carries its MAC again)" | tail -1 | grep -q "stands by" \
    || fail "after the flips the vif does not stand by: $(console_of "$dd" | tail -3)"
wait_ping "$t-a" 10.15.0.3
pass "200 state writes moved the traffic $((m1 - m0)) times in $elapsed_ms ms (at most $bound); the VF carries it after"

# An FLR of the VF under the guest (the host resets it where it is): the
# guest's driver finds its queue disabled, sends on the vif and says it
# does not drive the VF (netdd gives the vif's pool the MAC), starts the
# queue again and moves back.  Without the driver noticing, the VF would
# swallow what the stream sends and the stream would die.
resets() { console_of "$a" | grep -c "VF $VF0: its queue was reset under us" || true; }
r0=$(resets)
stream 8 flr
pings 8 flr
sleep 3
"$BIN/xl" pci-reset "$VF0"
sleep 1
[ "$(resets)" -eq $((r0 + 1)) ] || fail "the guest's driver did not see the reset: $(console_of "$a" | tail -3)"
again=$(console_of "$a" | grep -o "VF $VF0: started again [0-9]* ms after the reset" | tail -1)
[ -n "$again" ] || fail "the VF did not start again: $(console_of "$a" | tail -3)"
# ms since the epoch of a log line's stamp ("2026-12-06 03:13:55.708 ..."),
# the date included so that a run across midnight still subtracts right.
stamp_ms() { read -r day time _ && date -d "$day $time" +%s%3N; }
flr_at=$(grep "function 1: FLR" "$SPLITVISOR_RUNDIR/nic0.log" | tail -1 | stamp_ms)
seen_at=$(console_of "$a" | grep "its queue was reset under us" | tail -1 | stamp_ms)
seen=$((seen_at - flr_at))
# The driver looks every 10 ms; a loaded host's scheduler adds to it.
[ "$seen" -ge 0 ] && [ "$seen" -lt 500 ] || fail "the guest saw the FLR $seen ms after it"
carries vf "after its reset"
surprise flr
pass "an FLR of the VF under the stream (xl pci-reset): seen $seen ms after it, ${again#VF $VF0: }; TCP survived; $said"

# A guest that does not answer: xl gives up after its bound, takes the VF
# (reset) and netdd gives the vif its MAC back; the guest, resumed, finds
# its VF gone and carries on over the vif.
stream 10 stopped
pings 10 stopped
sleep 2
gpid=$(domain_pid "$t-a")
[ -n "$gpid" ] || fail "no process for $t-a"
kill -STOP "$gpid"
t0=$(date +%s%N)
"$BIN/xl" pci-detach "$t-a" "$VF0"
t1=$(date +%s%N)
kill -CONT "$gpid"
wait_console "$a" "vf0 unplugged: its vif carries the traffic" >/dev/null
surprise stopped
pass "a detach the stopped guest did not answer completed in $(((t1 - t0) / 1000000)) ms; TCP survived on the vif; $said"

# Forced: the VF is reset and taken first, its directories go after; the
# guest finds its queue disabled or its directory gone, whichever first.
"$BIN/xl" pci-attach "$t-a" "$VF0,failover=0"
wait_vf 0
stream 8 forced
pings 8 forced
sleep 3
t0=$(date +%s%N)
"$BIN/xl" pci-detach -f "$t-a" "$VF0"
t1=$(date +%s%N)
"$BIN/xl" pci-list "$t-a" | grep -q "$VF0" && fail "$VF0 still assigned after a forced detach"
wait_console "$a" "vf0 unplugged: its vif carries the traffic" >/dev/null
carries pool "after the forced detach"
surprise forced
pass "a forced detach (xl pci-detach -f, $(((t1 - t0) / 1000000)) ms): TCP survived on the vif; $said"
