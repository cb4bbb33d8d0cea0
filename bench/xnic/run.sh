#!/usr/bin/env bash
# Runs xnic-bench against a fresh release xnic (wire "none"), first with
# doorbells, then in poll mode.  Usage: bench/xnic/run.sh [SECONDS]
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-1}
dir=$(mktemp -d /tmp/sv-bench.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
for mode in doorbell poll; do
    flag=; [ "$mode" = poll ] && flag=--poll
    build/bin/xnic --control "$dir/ctl" --wire none --pools 4 --vfs 0 $flag 2>"$dir/xnic.log" &
    pid=$!
    for _ in $(seq 50); do [ -S "$dir/ctl" ] && break; sleep 0.1; done
    build/bench/xnic-bench --control "$dir/ctl" --seconds "$secs" $flag
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done
