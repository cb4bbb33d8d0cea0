#!/usr/bin/env bash
# Guests whose TCP traffic the NIC read in place (zero-copy TX through
# device-mapped grants) are destroyed mid-flow while their driver domain
# lives on: every mapping their vifs made is released, for the device too.
# The NIC model's mappings and fds, the hypervisor's fds and the grant
# mappings go back to what they were before the guests, with netdd still
# running (a leak here used to last until netdd died, and filled the PF's
# 1024 device-mapping slots after a few dozen guests).  netdd's backend
# directories go too: `xl destroy` removes them without waiting for netdd,
# busy with the flows, which must not write them back as it closes.
source "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "needs iperf3"
command -v xenstore-list >/dev/null || skip "needs Debian's xenstore-utils"
t=$SV_TEST_TAG
sv_start --nic "--wire none"
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket
ROUNDS=${SV_DEVMAP_ROUNDS:-2}
hv=$(cat "$SPLITVISOR_RUNDIR/splitvisor.pid")
nic=$(for p in $(pgrep -P "$hv"); do [ "$(cat /proc/"$p"/comm)" = xnic ] && echo "$p"; done)
[ -n "$nic" ] || fail "no NIC model process under the hypervisor ($hv)"

counts() { # the NIC model's frame mappings and fds, the hypervisor's fds, grant maps
    # (frames only: the rest of its maps moves with its allocator, ASan's most)
    echo "nic_frames=$(grep -c 'memfd:sv-frame' "/proc/$nic/maps") nic_fds=$(ls "/proc/$nic/fd" | wc -l)" \
        "hv_fds=$(ls "/proc/$hv/fd" | wc -l)" \
        "backends=$(xenstore-list "/local/domain/$dd/backend/vif" 2>/dev/null | wc -l)" \
        "$("$BIN/xl" info | awk '$1 == "grant_maps" {print "grant_maps=" $3}')"
}

xl_refused() { "$BIN/xl" info | awk '$1 == "unmap_refused" {print $3}'; }

# netdd's default: packets over 2 KiB read in place, smaller ones copied,
# so that a guest's buffer pages are both device-mapped and cached (a page
# mapped twice was the leak).
dd=$(sv_netdd "$t-dd")
base=$(counts)
echo "netdd alone: $base"

clients=()
sv_on_exit 'for p in "${clients[@]}"; do kill "$p" 2>/dev/null; done'
for r in $(seq "$ROUNDS"); do
    sv_guest "$t-a$r" "$t-dd" 10.16.0.2/24 >/dev/null
    sv_guest "$t-b$r" "$t-dd" 10.16.0.3/24 >/dev/null
    wait_ping "$t-a$r" 10.16.0.3
    # Both ways, several flows, so that both vifs have packets at the NIC.
    for g in a b; do
        "$BIN/xl" exec "$t-$g$r" -- iperf3 -s -1 -D --logfile "$SPLITVISOR_RUNDIR/iperf-$g$r.log"
    done
    sleep 0.5
    timeout 20 "$BIN/xl" exec "$t-a$r" -- iperf3 -c 10.16.0.3 -t 10 -P 4 >/dev/null 2>&1 &
    clients+=($!)
    timeout 20 "$BIN/xl" exec "$t-b$r" -- iperf3 -c 10.16.0.2 -t 10 -P 4 >/dev/null 2>&1 &
    clients+=($!)
    sleep 2
    busy=$(counts)
    echo "round $r, under TCP: $busy"
    [ "$busy" != "$base" ] || fail "the guests' traffic mapped nothing for the device"
    refused=$(xl_refused)
    "$BIN/xl" destroy "$t-a$r"
    "$BIN/xl" destroy "$t-b$r"
    echo "round $r: $(($(xl_refused) - refused)) of netdd's unmaps not believed (retried) in the two destroys"
    now=""
    for ((i = 0; i < 40; i++)); do
        now=$(counts)
        [ "$now" = "$base" ] && break
        sleep 0.1
    done
    echo "round $r, guests destroyed: $now"
    [ "$now" = "$base" ] || fail "round $r: mappings outlived the guests: before '$base', after '$now'"
done
[ "$("$BIN/xl" domid "$t-dd")" = "$dd" ] || fail "netdd died: its death released the mappings"
pass "$ROUNDS rounds of guests destroyed under zero-copy TCP: no device mapping or fd kept"
