#!/usr/bin/env bash
# libxenvchan throughput: Debian's libxenvchan.a between two domains of a
# hypervisor of our own (tests/domains/vchandom.c, 256 KiB rings each way),
# beside the same exchange between two threads over a unix socket pair.
# Both move N MiB each way at once and check every byte; the figure is the
# bytes moved both ways per second.  Usage: bench/vchan/run.sh [N]  (root,
# after make tests)
set -euo pipefail
SV_BUILD=${SV_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
n=${1:-1024}
dom=$SV_BUILD/tests/bin/vchandom
[ -x "$dom" ] || { echo "bench/vchan: $dom missing (make tests)" >&2; exit 1; }
rundir=$(mktemp -d /tmp/sv-vchanbench.XXXXXX)
export SPLITVISOR_RUNDIR=$rundir
trap '"$SV_BUILD/bin/splitvisor" stop >/dev/null 2>&1 || true; rm -rf "$rundir"' EXIT
"$SV_BUILD/bin/splitvisor" start --no-nic >/dev/null

create() { # MODE ARGS... (the mode names the domain)
    local name=$1
    printf 'name = "sv-vchanbench-%s-%s"\nmemory = 16\nkernel = "%s"\nextra = "%s"\non_poweroff = "preserve"\non_crash = "preserve"\n' \
        "$name" $$ "$dom" "$*" >"$rundir/$name.cfg"
    "$SV_BUILD/bin/xl" create "$rundir/$name.cfg" >/dev/null
}
rate() { # DOMID: the RATE figure its console prints, once there
    local i
    for i in $(seq 1200); do
        sed -n 's/^RATE \([0-9.]*\) MB\/s/\1/p' "$rundir/console/$1.log" 2>/dev/null | grep . && return
        grep -q "MISMATCH\|STALL\|failed" "$rundir/console/$1.log" 2>/dev/null && break
        sleep 0.1
    done
    echo "bench/vchan: domain $1 gave no figure:" >&2; cat "$rundir/console/$1.log" >&2; exit 1
}

create server next data/vchan/bench "$n"
for _ in $(seq 100); do grep -q READY "$rundir/console/1.log" 2>/dev/null && break; sleep 0.1; done
create client 1 /local/domain/1/data/vchan/bench "$n"
vchan=$(rate 2)
base=$("$dom" socketpair "$n" | sed -n 's/^RATE \([0-9.]*\) MB\/s/\1/p')
echo "vchan: $n MiB each way, both at once, every byte checked"
printf '%-40s %8.1f MB/s  baseline %8.1f MB/s  ratio %.2f (higher is better)\n' \
    "libxenvchan between two domains" "$vchan" "$base" "$(echo "$vchan / $base" | bc -l)"
