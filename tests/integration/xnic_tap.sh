#!/usr/bin/env bash
# xnic on a host TAP: frames sent on a pool appear on the TAP (seen with
# AF_PACKET), frames injected on the TAP land in the pool that owns their
# MAC, unknown unicast in the default pool.
source "$(dirname "$0")/lib_xnic.sh"
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
    echo "SKIP: needs root and /dev/net/tun"; exit 77
fi
set -e
tap="sv-xt$(($$ % 100000))"
xnic_cleanup_hooks+=("ip link del $tap 2>/dev/null || true")
xnic_start nic --wire "tap:$tap" --pools 3 --vfs 0
ip link set "$tap" up
# Keep the host from sending its own IPv6 chatter into the test's counts.
sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1" || true
"$NATIVE" --control "$(xnic_ctl nic)" --ifname "$tap" tap
