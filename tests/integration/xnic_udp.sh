#!/usr/bin/env bash
# Two xnic instances joined by udp: wires on loopback pass frames both ways.
source "$(dirname "$0")/lib_xnic.sh"
set -e
# Ports from the pid so that parallel runs do not collide.
pa=$((20000 + ($$ % 20000) * 2)); pb=$((pa + 1))
xnic_start a --wire "udp:127.0.0.1:$pb,bind=$pa" --pools 2 --vfs 0
xnic_start b --wire "udp:127.0.0.1:$pa,bind=$pb" --pools 2 --vfs 0
"$NATIVE" --control "$(xnic_ctl a)" --control2 "$(xnic_ctl b)" udp
