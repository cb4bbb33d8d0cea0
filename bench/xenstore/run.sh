#!/usr/bin/env bash
# xenstore request rate and latency: over dom0's socket (against a private
# release xenstored, beside a unix-socket echo baseline), then over a
# domain's ring page and event channel (a domain running the same bench
# under a hypervisor of its own).  Usage: bench/xenstore/run.sh [N]  (root)
set -euo pipefail
SV_BUILD=${SV_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
n=${1:-20000}
. "$(dirname "$0")/../../tests/integration/lib_xenstored.sh"
xs_start
"$build/bench/xs_bench" "$n"
xs_stop

[ "$(id -u)" -eq 0 ] || { echo "(the domain-ring figures need root)"; exit 0; }
xsdir=$SPLITVISOR_RUNDIR # the private daemon's, removed with ours below
rundir=$(mktemp -d /tmp/sv-xsbench.XXXXXX)
export SPLITVISOR_RUNDIR=$rundir
unset XENSTORED_PATH # the private daemon above is gone
trap '"$SV_BUILD/bin/splitvisor" stop >/dev/null 2>&1 || true; rm -rf "$rundir" "$xsdir"' EXIT
"$SV_BUILD/bin/splitvisor" start --no-nic >/dev/null
printf 'name = "sv-xsbench-%s"\nkernel = "%s"\nextra = "--ring %s"\non_poweroff = "preserve"\n' \
    $$ "$SV_BUILD/bench/xs_bench" "$n" >"$rundir/bench.cfg"
"$SV_BUILD/bin/xl" create "$rundir/bench.cfg" >/dev/null
for _ in $(seq 600); do
    grep -q "WRITE (ring)\|bench over the ring" "$rundir/console/1.log" 2>/dev/null && break
    sleep 0.1
done
cat "$rundir/console/1.log"
