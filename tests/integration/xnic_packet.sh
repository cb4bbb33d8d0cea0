#!/usr/bin/env bash
# xnic on one end of a veth pair through AF_PACKET: frames sent on a pool
# appear on the other end, frames injected there land in the right pool.
source "$(dirname "$0")/lib_xnic.sh"
if [ "$(id -u)" -ne 0 ] || ! ip link add sv-xtprobe$$ type veth peer name sv-xtprobp$$ 2>/dev/null; then
    echo "SKIP: needs root and veth"; exit 77
fi
ip link del "sv-xtprobe$$"
set -e
a="sv-xpa$(($$ % 10000))"; b="sv-xpb$(($$ % 10000))"
ip link add "$a" type veth peer name "$b"
xnic_cleanup_hooks+=("ip link del $a 2>/dev/null || true")
for i in "$a" "$b"; do
    sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1" || true
    ip link set "$i" up
done
xnic_start nic --wire "packet:$a" --pools 3 --vfs 0
"$NATIVE" --control "$(xnic_ctl nic)" --ifname "$b" tap
