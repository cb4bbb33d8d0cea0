#!/usr/bin/env bash
# Two xnic instances joined by vxlan: wires (each its own loopback address,
# one port, one VNI) pass frames both ways.
source "$(dirname "$0")/lib_xnic.sh"
set -e
# A port from the pid so that parallel runs do not collide.
port=$((20000 + $$ % 40000))
vni=$((4096 + $$ % 4096))
xnic_start a --wire "vxlan:$vni,local=127.0.0.1,remote=127.0.0.2,port=$port" --pools 2 --vfs 0
xnic_start b --wire "vxlan:$vni,local=127.0.0.2,remote=127.0.0.1,port=$port" --pools 2 --vfs 0
"$NATIVE" --control "$(xnic_ctl a)" --control2 "$(xnic_ctl b)" vxlan
