# Shared by tests/integration/xnic_*.sh: start xnic instances in a private
# run directory and stop exactly the ones started, on any exit.
set -u
: "${SV_BUILD:=build/asan}"
XNIC="$SV_BUILD/bin/xnic"
NATIVE="$SV_BUILD/tests/bin/xnic-native"
export SPLITVISOR_RUNDIR=$(mktemp -d /tmp/sv-test.XXXXXX)
xnic_pids=()
xnic_cleanup_hooks=()

# Stops the xnics; a sanitizer report in any of their logs fails the test.
xnic_cleanup() {
    local rc=$? bad=0
    set +e # a test's set -e must not stop the cleanup at a failed kill or wait
    for pid in "${xnic_pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${xnic_pids[@]}"; do wait "$pid" 2>/dev/null; done
    for hook in "${xnic_cleanup_hooks[@]}"; do eval "$hook"; done
    if grep -lE "Sanitizer|runtime error" "$SPLITVISOR_RUNDIR"/*.log 2>/dev/null; then
        cat "$SPLITVISOR_RUNDIR"/*.log; bad=1
    fi
    rm -rf "$SPLITVISOR_RUNDIR"
    [ "$bad" -eq 1 ] && [ "$rc" -eq 0 ] && exit 1
    exit "$rc"
}
trap xnic_cleanup EXIT

# xnic_start NAME ARGS...: control socket $SPLITVISOR_RUNDIR/NAME.ctl, log NAME.log
xnic_start() {
    local name=$1; shift
    "$XNIC" --control "$SPLITVISOR_RUNDIR/$name.ctl" "$@" 2>"$SPLITVISOR_RUNDIR/$name.log" &
    xnic_pids+=($!)
    for _ in $(seq 50); do
        [ -S "$SPLITVISOR_RUNDIR/$name.ctl" ] && return 0
        sleep 0.1
    done
    echo "xnic $name did not start:"; cat "$SPLITVISOR_RUNDIR/$name.log"
    return 1
}

xnic_ctl() { echo "$SPLITVISOR_RUNDIR/$1.ctl"; }
xnic_log() { echo "$SPLITVISOR_RUNDIR/$1.log"; }
