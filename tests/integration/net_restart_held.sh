#!/usr/bin/env bash
# What a guest sends while its vif has no backend (its driver domain
# restarting, or not running yet) waits in its eth0 and goes out once the
# vif connects, instead of being read and dropped (docs/networking.md,
# "Driver domain restart").  The driver domain is kept paused while the
# guest pings an address with a fixed neighbour entry 20 times; once it
# runs, the vif's pool has sent those 20 frames.
source "$(dirname "$0")/lib.sh"
require_root
t=$SV_TEST_TAG
sv_start --nic "--wire none"
PINGS=20

dd=$(sv_netdd_paused "$t-dd")
a=$(sv_guest "$t-a" "$t-dd" 10.20.0.2/24)
wait_console "$a" "vif 0: backend /local/domain/$dd/" >/dev/null
# No ARP: every ping is one frame, sent at once.
"$BIN/xl" exec "$t-a" -- ip neigh replace 10.20.0.9 lladdr 00:16:3e:00:00:09 dev eth0 nud permanent
"$BIN/xl" exec "$t-a" -- ping -n -q -c "$PINGS" -i 0.05 -W 1 10.20.0.9 >/dev/null 2>&1 || true
"$BIN/xl" unpause "$t-dd"
wait_console "$a" "vif 0: connected to /local/domain/$dd/" >/dev/null

# The pool's TX counter (one queue pair: "tx N").
tx_frames() {
    "$BIN/xl" network-list "$t-a" | awk 'NR == 2 {for (i = 1; i < NF; i++) if ($i == "tx") {print $(i + 1); exit}}'
}
for ((i = 0; i < 100; i++)); do
    sent=$(tx_frames)
    [ "${sent:-0}" -ge "$PINGS" ] && break
    sleep 0.05
done
[ "${sent:-0}" -ge "$PINGS" ] ||
    fail "a's pool sent ${sent:-no} frames of the $PINGS pings made while it had no backend: $("$BIN/xl" network-list "$t-a")"
pass "the $PINGS frames a guest sent while it had no backend went out when it connected ($sent sent)"
