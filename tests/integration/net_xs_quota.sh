#!/usr/bin/env bash
# A driver domain's xenstore node quota (issue 16): with the host-wide
# quota lowered to 80 nodes (netdd alone would stop at 3 vifs), xl gives
# the driver domain its own quota (and request rate) and 4 guests' vifs all connect; a vif
# past netdd's own quota (lowered with XS_CONTROL `quota set nodes N DOMID`)
# is refused cleanly: a log line naming it and the error, Closed, an
# "error" node when one fits, the other vifs untouched, and it is not tried
# again and again; destroying its guest removes it.
source "$(dirname "$0")/lib.sh"
require_root
t=$SV_TEST_TAG
sv_start --nic "--wire none"
rd=$SPLITVISOR_RUNDIR
export XENSTORED_PATH=$rd/xenstored/socket

xs_control quota set nodes 80 >/dev/null
dd=$(sv_netdd "$t-dd")
wait_console "$dd" "PF .* up" >/dev/null || fail "netdd did not start"
declare -A id
for g in 1 2 3 4; do
    id[$g]=$(sv_guest "$t-g$g" "$t-dd" "10.31.0.$g/24")
done
state() { xenstore-read "/local/domain/$dd/backend/vif/$1/0/state" 2>/dev/null || echo none; }
for g in 1 2 3 4; do
    for ((i = 0; i < 100; i++)); do [ "$(state "${id[$g]}")" = 4 ] && break; sleep 0.1; done
    [ "$(state "${id[$g]}")" = 4 ] || fail "vif of g$g: state $(state "${id[$g]}")"
done
used=$(xs_control quota "$dd" | awk -F: '$1 ~ /^nodes/ {print $2 + 0}')
[ "$used" -gt 80 ] || fail "netdd owns $used nodes: the override was not needed"
wait_ping "$t-g1" 10.31.0.4 || fail "g1 cannot reach g4"
pass "driver domain with its own node quota: 4 vifs ($used nodes) past the host-wide 80"
# And its own request rate: 64 vifs' worth, not a guest's 200 a second
# (netdd's one thread waits for each answer).
for q in request-rate request-burst; do
    grep -q "control: quota $q of domain $dd set to 16384$" "$rd/xenstored.log" \
        || fail "xl did not give the driver domain its own $q: $(grep 'control: quota' "$rd/xenstored.log")"
done

xs_control quota set nodes 99 999999 2>/dev/null && fail "quota set for a domain that does not exist"
xs_control quota set node-size 99 "$dd" 2>/dev/null && fail "per-domain node-size accepted"
# Room for the toolstack's keys of one more vif (dom0's writes are never
# refused, but count) and netdd's error node, not for its features.
xs_control quota set nodes $((used + 14)) "$dd" >/dev/null
id[5]=$(sv_guest "$t-g5" "$t-dd" "10.31.0.5/24")
B5=/local/domain/$dd/backend/vif/${id[5]}/0
for ((i = 0; i < 100; i++)); do [ "$(state "${id[5]}")" = 6 ] && break; sleep 0.1; done
[ "$(state "${id[5]}")" = 6 ] || fail "the vif past the quota: state $(state "${id[5]}")"
line="vif ${id[5]}.0: cannot write its features: No space left on device: not served"
wait_console "$dd" "$line" >/dev/null || fail "no log line naming the vif: $(console_of "$dd" | tail -3)"
err=$(xenstore-read "$B5/error" 2>/dev/null) || fail "no error node"
[ "$err" = "28 cannot write its features: No space left on device" ] || fail "error node: $err"
xenstore-exists "$B5/feature-rx-copy" 2>/dev/null && fail "half its features written"
wait_ping "$t-g1" 10.31.0.4 || fail "the other vifs stopped"
# Our own writes fire netdd's watch on its backends: the refused vif must
# not be tried again on each.
xenstore-write "/local/domain/$dd/backend/vif/${id[1]}/0/sv-poke" 1
sleep 1
[ "$(console_of "$dd" | grep -c "vif ${id[5]}.0: cannot write")" = 1 ] ||
    fail "the refused vif was tried again, or wrote more: $(console_of "$dd" | grep "vif ${id[5]}.0: cannot write")"
pass "the vif past netdd's own quota: logged once, Closed, error node, the others serve"

"$BIN/xl" destroy "$t-g5"
for ((i = 0; i < 50; i++)); do xenstore-exists "$B5" 2>/dev/null || break; sleep 0.1; done
xenstore-exists "$B5" 2>/dev/null && fail "the refused vif's directory outlived its guest"
wait_console "$dd" "$B5 removed" >/dev/null || fail "netdd kept the refused vif's slot"
pass "destroying its guest removes the refused vif"
