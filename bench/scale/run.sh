#!/usr/bin/env bash
# Many domains on one host: creates N idle guests (default 100) one after
# another, timing each `xl create`, then `xl list` at N, and measures the
# host memory an idle domain costs beyond its RAM: the PSS of the
# instance's own processes (hypervisor, xenstored, xl's monitors) and the
# run directory's files, at N domains less at none, divided by N.  A
# domain's own process is charged to its memory cgroup, against the memory
# it was given (`xl list -l` used_memory_kb): shown apart.  Prints each
# figure beside its target, met or missed, and beside a baseline from the
# same run: what starting a process (/bin/true) costs on this machine now.
# Usage: bench/scale/run.sh [N]   (as root, after make)
#        bench/scale/run.sh vifs [GUESTS [BUFFERS]]: guests with vifs on one
#        driver domain, teardown and netdd's memory per vif (bench/scale/vifs.sh)
#        bench/scale/run.sh fair [PAIRS [SECONDS]]: TCP pairs at once on
#        VMDq pools and on netdd's switch, Jain's index (bench/scale/fair.sh)
set -euo pipefail
case ${1:-} in vifs | fair) exec "$(dirname "$0")/$1.sh" "${@:2}" ;; esac
SV_BUILD=${SV_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
BIN=$SV_BUILD/bin
n=${1:-100}
[ "$(id -u)" -eq 0 ] || { echo "bench/scale/run.sh: needs root" >&2; exit 1; }
SPLITVISOR_RUNDIR=$(mktemp -d /tmp/sv-scale.XXXXXX)
export SPLITVISOR_RUNDIR
tag=sv-scale$$
trap '"$BIN/splitvisor" stop >/dev/null 2>&1 || true; rm -rf "$SPLITVISOR_RUNDIR"' EXIT
"$BIN/splitvisor" start --no-nic >/dev/null

now_us() { echo $(($(date +%s%N) / 1000)); }

# p50 and p99 (nearest rank) of the microsecond figures on stdin, in ms.
percentiles() {
    sort -n | awk '{v[NR] = $1} END {
        p50 = v[int((NR * 50 + 99) / 100)]; p99 = v[int((NR * 99 + 99) / 100)]
        printf "%.1f %.1f\n", p50 / 1000, p99 / 1000}'
}

# The instance's own processes: the hypervisor, xenstored and xl's
# monitors (forks of an `xl create` of a file in the run directory).
host_pids() {
    {
        cat "$SPLITVISOR_RUNDIR/splitvisor.pid" "$SPLITVISOR_RUNDIR/xenstored.pid"
        pgrep -f "xl create .*$SPLITVISOR_RUNDIR/" || true
    } | sort -u
}

# The domains' processes: the hypervisor's children but xenstored.
domain_pids() {
    pgrep -P "$(cat "$SPLITVISOR_RUNDIR/splitvisor.pid")" |
        grep -vx "$(cat "$SPLITVISOR_RUNDIR/xenstored.pid")" || true
}

pss_kb() {
    local pss=0 p v
    for p in "$@"; do
        v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
        pss=$((pss + ${v:-0}))
    done
    echo "$pss"
}

# kB of PSS of the instance's own processes plus the run directory's files.
# shellcheck disable=SC2046 # one pid a word
footprint_kb() { echo $(($(pss_kb $(host_pids)) + $(du -sk "$SPLITVISOR_RUNDIR" | cut -f1))); }

monitors() { pgrep -fc "xl create .*$SPLITVISOR_RUNDIR/" || true; }

sleep 0.5
: >"$SPLITVISOR_RUNDIR/true.us"
for _ in $(seq 100); do
    t0=$(now_us)
    /bin/true
    echo $(($(now_us) - t0)) >>"$SPLITVISOR_RUNDIR/true.us"
done
base_kb=$(footprint_kb)
: >"$SPLITVISOR_RUNDIR/create.us"
for i in $(seq "$n"); do
    printf 'name = "%s-%d"\nmemory = 16\nkernel = "%s"\non_crash = "preserve"\n' \
        "$tag" "$i" "$BIN/guest" >"$SPLITVISOR_RUNDIR/d$i.cfg"
    t0=$(now_us)
    "$BIN/xl" create "$SPLITVISOR_RUNDIR/d$i.cfg" >/dev/null
    echo $(($(now_us) - t0)) >>"$SPLITVISOR_RUNDIR/create.us"
done
sleep 2 # the last domains settle (start, xenstore home)
: >"$SPLITVISOR_RUNDIR/list.us"
for _ in $(seq 50); do
    t0=$(now_us)
    "$BIN/xl" list >/dev/null
    echo $(($(now_us) - t0)) >>"$SPLITVISOR_RUNDIR/list.us"
done
listed=$("$BIN/xl" list | tail -n +3 | wc -l)
[ "$listed" -eq "$n" ] || { echo "only $listed of $n domains are listed" >&2; exit 1; }
per_kb=$((($(footprint_kb) - base_kb) / n))
# shellcheck disable=SC2046
dom_kb=$(($(pss_kb $(domain_pids)) / n))

verdict() { awk -v v="$1" -v t="$2" 'BEGIN {print (v <= t) ? "met" : "MISSED"}'; }
read -r c50 c99 < <(percentiles <"$SPLITVISOR_RUNDIR/create.us")
read -r f50 f99 < <(head -10 "$SPLITVISOR_RUNDIR/create.us" | percentiles)
read -r z50 z99 < <(tail -10 "$SPLITVISOR_RUNDIR/create.us" | percentiles)
read -r l50 l99 < <(percentiles <"$SPLITVISOR_RUNDIR/list.us")
read -r t50 t99 < <(percentiles <"$SPLITVISOR_RUNDIR/true.us")
mb=$(awk -v k="$per_kb" 'BEGIN {printf "%.2f", k / 1024}')
echo "$n idle domains (guest, 16 MiB, no vif), $(monitors) monitor process(es)"
printf '%-40s p50 %6.1f ms  p99 %6.1f ms   (baseline: what each figure below pays to start xl)\n' \
    "baseline: start /bin/true" "$t50" "$t99"
printf '%-40s p50 %6.1f ms  p99 %6.1f ms\n' "xl create, the first 10" "$f50" "$f99"
printf '%-40s p50 %6.1f ms  p99 %6.1f ms   x%.2f of the first 10 (p50; 1.00: no growth)\n' \
    "xl create, the last 10" "$z50" "$z99" "$(awk -v a="$z50" -v b="$f50" 'BEGIN {print a / b}')"
printf '%-40s p50 %6.1f ms  p99 %6.1f ms   target p99 <= 20 ms: %s\n' \
    "xl create, 1..$n domains" "$c50" "$c99" "$(verdict "$c99" 20)"
printf '%-40s p50 %6.1f ms  p99 %6.1f ms   target p99 <= 10 ms: %s\n' "xl list at $n domains" \
    "$l50" "$l99" "$(verdict "$l99" 10)"
printf '%-40s x%.2f of starting /bin/true (p50)\n' "xl list at $n domains" \
    "$(awk -v a="$l50" -v b="$t50" 'BEGIN {print a / b}')"
printf '%-40s %6.2f MB                     target <= 0.3 MB: %s\n' \
    "host memory per idle domain beyond RAM" "$mb" "$(verdict "$mb" 0.3)"
printf '%-40s %6.2f MB PSS (in its memory cgroup, charged to its RAM)\n' \
    "a domain's own process" "$(awk -v k="$dom_kb" 'BEGIN {printf "%.2f", k / 1024}')"
