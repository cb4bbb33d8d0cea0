#!/usr/bin/env bash
# The packet generator on the rings: a guest sending N 64-byte UDP frames
# straight into its netfront TX ring (event-driven), another counting them
# off its RX ring (busy poll), through the driver domain and the NIC's
# switch.  The receiver must count every frame the sender had answered OK
# (less those the NIC counted as dropped for want of an RX buffer), in
# order, none corrupted; the sender must get every frame answered.
source "$(dirname "$0")/lib.sh"
require_root
t=$SV_TEST_TAG
N=${SV_PKTGEN_FRAMES:-100000}
sv_start --nic "--wire none"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

sv_netdd "$t-dd" >/dev/null
rx=$(sv_guest "$t-rx" "$t-dd" 10.14.0.3/24 "" "--pktgen rx --busy-poll")
wait_console "$rx" "pktgen rx: vif 0 connected" >/dev/null
mac=$(xenstore-read "/local/domain/$rx/device/vif/0/mac")
tx=$(sv_guest "$t-tx" "$t-dd" 10.14.0.2/24 "" \
    "--pktgen tx --dst-mac $mac --src-ip 10.14.0.2 --dst-ip 10.14.0.3 --count $N")
done_line=$(wait_console "$tx" "pktgen tx done" 30)
read -r sent errors < <(awk '{print $5, $7}' <<<"$done_line")
[ "$sent" = "$N" ] || fail "sender: $done_line"
pass "sender: $sent frames answered, $errors of them with an error"

# The receiver prints every second: wait for a report with them all, or
# for a second with none after some came (the rest went missing); its
# reports from before the sender started say none too.
last=""
for ((i = 0; i < 60; i++)); do
    last=$(console_of "$rx" | grep "^pktgen rx pps" | tail -1)
    read -r pps frames < <(awk '{print $4, $6}' <<<"$last")
    [ -n "$frames" ] && { [ "$frames" -ge $((N - errors)) ] || { [ "$pps" = 0 ] && [ "$frames" -gt 0 ]; }; } && break
    sleep 0.1
done
echo "receiver: $last"
read -r frames bad lost reordered < <(awk '{print $6, $8, $10, $12}' <<<"$last")
[ "$bad" = 0 ] || fail "receiver saw $bad frames that were not pktgen's"
[ "$reordered" = 0 ] || fail "receiver saw $reordered frames out of order"
[ "$frames" -le "$N" ] || fail "receiver counted $frames of $N sent"
[ "$((frames + lost))" -le "$N" ] || fail "frames $frames + lost $lost > $N"
# Frames the NIC found no RX buffer for (the receiver's pool full while
# netdd waited for the guest) are counted by the NIC; nothing else may go.
line=$("$BIN/xl" network-list "$t-rx" | awk 'NR == 2')
nobuf=$(grep -Eo "rx-no-buf [0-9]+" <<<"$line" | awk '{print $2}')
grep -Eq "rx [1-9][0-9]{4,}" <<<"$line" || fail "the receiver's pool counted too little: $line"
[ "$((frames + nobuf))" -eq "$((N - errors))" ] ||
    fail "receiver counted $frames, NIC dropped $nobuf, sender had $((N - errors)) answered OK"
[ "$lost" -le "$nobuf" ] || fail "receiver missed $lost frames, the NIC dropped only $nobuf"
pass "receiver: every frame answered OK arrived or was counted dropped by the NIC," \
    "in order, none bad ($frames of $N, rx-no-buf $nobuf)"
