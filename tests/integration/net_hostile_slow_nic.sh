#!/usr/bin/env bash
# net_hostile's reconnecting modes against a NIC whose firmware takes 50 ms
# over each admin command (a real NIC's take milliseconds): a vif's connect
# and disconnect are a handful of them, and netdd's one loop serves every
# vif, so it must not wait for them.  Waiting (the code before queued
# admin), a guest flapping its state stalled netdd ~300 ms per reconnect,
# and the other guests' p99 round trip went far past net_hostile's bound;
# a vif that closes must still release every grant before it reads Closed
# (the NIC may read device-mapped grants until its queues are stopped).
export SV_HOSTILE_NIC="--wire none --admin-latency-ms 50"
export SV_HOSTILE_MODES="${SV_HOSTILE_MODES:-bad-index state-flap reconnect-flood reply-storm}"
exec "$(dirname "$0")/net_hostile.sh"
