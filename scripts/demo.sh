#!/usr/bin/env bash
# make demo: boots a Splitvisor host (hypervisor, xenstored, an SR-IOV/VMDq
# NIC whose wire is the TAP sv-wire0), gives the NIC's PF to a driver domain,
# starts two guests whose vifs it serves, and shows traffic: guest to guest,
# guest to a host on the wire, iperf3, the per-pool counters, and a driver
# domain killed under traffic and brought back.  Then tears it all down.
# Run as root from the top of the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
export SPLITVISOR_RUNDIR=${SPLITVISOR_RUNDIR:-/run/splitvisor-demo}
BIN=build/bin
HOSTNS=sv-demo-host
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
wait_ping() {
    for _ in $(seq 60); do "$BIN/xl" exec "$1" -- ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0; sleep 0.25; done
    echo "demo: $1 cannot reach $2" >&2; return 1
}
cleanup() {
    step "Tearing down: every domain, the NIC, xenstored, the hypervisor"
    run "$BIN/splitvisor" stop || true
    ip netns delete "$HOSTNS" 2>/dev/null || true
}

[ "$(id -u)" -eq 0 ] || { echo "make demo needs root (namespaces, uids, seccomp, TAP)" >&2; exit 1; }
"$BIN/splitvisor" stop >/dev/null 2>&1 || true
ip netns delete "$HOSTNS" 2>/dev/null || true

step "Booting the host: hypervisor, xenstored, and one xnic NIC (PF 0000:03:00.0, 16 VMDq pools, 8 VFs)"
run "$BIN/splitvisor" start
trap cleanup EXIT
say "The NIC's wire is the TAP sv-wire0; a host on the wire (10.0.0.1) lives in namespace $HOSTNS."
ip netns add "$HOSTNS"
ip link set sv-wire0 netns "$HOSTNS"
ip -n "$HOSTNS" addr add 10.0.0.1/24 dev sv-wire0
ip -n "$HOSTNS" link set sv-wire0 up
run "$BIN/xl" pci-assignable-list
run "$BIN/xl" pci-assignable-add 0000:03:00.0

step "The driver domain (libvirt XML, examples/netdd.xml): owns the PF, serves vifs"
run "$BIN/xl" create examples/netdd.xml
run "$BIN/xl" pci-list netdd

step "Two guests (examples/guest1.xml, guest2.xml), their vifs served by netdd"
run "$BIN/xl" create examples/guest1.xml
run "$BIN/xl" create examples/guest2.xml
wait_ping guest1 10.0.0.3
run "$BIN/xl" list

step "Traffic: guest1 -> guest2 through the driver domain (guest1 eth0 -> netfront -> rings -> netback -> pool -> NIC switch -> pool -> netback -> rings -> netfront -> guest2 eth0)"
run "$BIN/xl" exec guest1 -- ping -c 3 10.0.0.3
step "Traffic: guest1 -> the host on the wire (out of the NIC through sv-wire0)"
run "$BIN/xl" exec guest1 -- ping -c 3 10.0.0.1
step "iperf3, 3 seconds, guest1 -> guest2"
"$BIN/xl" exec guest2 -- iperf3 -s -1 -D
sleep 0.5
run "$BIN/xl" exec guest1 -- iperf3 -c 10.0.0.3 -t 3 -f m

step "Each vif has its own VMDq pool: the NIC sorts frames by MAC; the counters are the NIC's"
run "$BIN/xl" network-list guest1
run "$BIN/xl" network-list guest2

step "Killing the driver domain under traffic: its monitor restarts it, the guests reconnect"
"$BIN/xl" exec guest1 -- ping -i 0.1 -c 40 10.0.0.3 >"$SPLITVISOR_RUNDIR/ping.log" &
pinger=$!
sleep 1
run kill -9 "$(pgrep -xf 'netdd( .*)?')"
wait "$pinger" || true
tail -2 "$SPLITVISOR_RUNDIR/ping.log"
run "$BIN/xl" list
run "$BIN/xl" exec guest1 -- ping -c 2 10.0.0.3

step "The hypervisor's log"
run "$BIN/xl" dmesg
