#!/usr/bin/env bash
# Starts a private xenstored and measures requests over its socket.
. "$(dirname "$0")/../../tests/xenstore/daemon.sh"
xs_start
"$build/bench/xs_bench" "${XS_BENCH_N:-20000}"
xs_stop
