# Sourced by tests/integration/xenstore_*.sh: starts a private xenstored
# (the runner's $SV_BUILD, default build/asan) in its own run directory and
# stops it on exit.  Sets XENSTORED_PATH for xenstore-utils and libxenstore.
set -eu
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${SV_BUILD:-$top/build/asan}
export SPLITVISOR_RUNDIR=$(mktemp -d /tmp/sv-test.XXXXXX)
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket
xs_pid=""

xs_cleanup() {
    if [ -n "$xs_pid" ] && kill -0 "$xs_pid" 2>/dev/null; then
        kill "$xs_pid"
        for _ in $(seq 50); do kill -0 "$xs_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    if [ -s "$SPLITVISOR_RUNDIR/xenstored.log" ]; then
        echo "--- xenstored log"; tail -n 20 "$SPLITVISOR_RUNDIR/xenstored.log"
    fi
    rm -rf "$SPLITVISOR_RUNDIR"
}
trap xs_cleanup EXIT

# Returns once the daemon accepts connections (it daemonizes after listen).
xs_start() {
    "$build/bin/xenstored" --pid-file "$SPLITVISOR_RUNDIR/xenstored.pid" \
        --log-file "$SPLITVISOR_RUNDIR/xenstored.log" "$@"
    xs_pid=$(cat "$SPLITVISOR_RUNDIR/xenstored.pid")
    [ -S "$XENSTORED_PATH" ]
}

# The daemon must outlive every test step; ASan reports land in its log.
xs_alive() {
    kill -0 "$xs_pid" || { echo "xenstored died"; exit 1; }
}

# Stops the daemon and fails on any sanitizer report (leaks included).
xs_stop() {
    kill "$xs_pid"
    for _ in $(seq 50); do kill -0 "$xs_pid" 2>/dev/null || break; sleep 0.1; done
    xs_pid=""
    if grep -qE 'Sanitizer|runtime error' "$SPLITVISOR_RUNDIR/xenstored.log"; then
        echo "sanitizer report in xenstored.log"; exit 1
    fi
}
