#!/usr/bin/env bash
# Runs xs_bench against a private release xenstored: READ/WRITE requests over
# the socket beside a unix-socket echo baseline.  Usage: bench/xenstore/run.sh [N]
SV_BUILD=${SV_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
. "$(dirname "$0")/../../tests/xenstore/daemon.sh"
xs_start
"$build/bench/xs_bench" "${1:-20000}"
xs_stop
