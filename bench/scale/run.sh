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
# With SV_BASELINE_BUILD=DIR (another build's top, e.g. a copy of main's
# build/ with its bin/ and lib/), every other create and list is that
# build's xl, against the same instance: both printed, side by side.
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
base_xl=${SV_BASELINE_BUILD:+$SV_BASELINE_BUILD/bin/xl}
[ -z "$base_xl" ] || [ -x "$base_xl" ] || { echo "bench/scale/run.sh: no $base_xl" >&2; exit 1; }
# xl of create or list number $1: the baseline's for every other one.
xl_of() { if [ -n "$base_xl" ] && [ $(($1 % 2)) = 1 ]; then echo "$base_xl"; else echo "$BIN/xl"; fi; }
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
: >"$SPLITVISOR_RUNDIR/create-base.us"
for i in $(seq "$n"); do
    printf 'name = "%s-%d"\nmemory = 16\nkernel = "%s"\non_crash = "preserve"\n' \
        "$tag" "$i" "$BIN/guest" >"$SPLITVISOR_RUNDIR/d$i.cfg"
    xl=$(xl_of "$i")
    t0=$(now_us)
    "$xl" create "$SPLITVISOR_RUNDIR/d$i.cfg" >/dev/null
    echo $(($(now_us) - t0)) >>"$SPLITVISOR_RUNDIR/create$([ "$xl" = "$BIN/xl" ] || echo -base).us"
done
sleep 2 # the last domains settle (start, xenstore home)
: >"$SPLITVISOR_RUNDIR/list.us"
: >"$SPLITVISOR_RUNDIR/list-base.us"
lists=50
[ -z "$base_xl" ] || lists=100 # 50 each
for i in $(seq "$lists"); do
    xl=$(xl_of "$i")
    t0=$(now_us)
    "$xl" list >/dev/null
    echo $(($(now_us) - t0)) >>"$SPLITVISOR_RUNDIR/list$([ "$xl" = "$BIN/xl" ] || echo -base).us"
done
# CPU time, which the host's load does not stretch as it does wall time:
# perf stat's task-clock of 20 runs each, ms (empty without perf).
cpu_ms() { perf stat -x, -e task-clock -r 20 "$@" 2>&1 >/dev/null | awk -F, '{print $1}'; }
if command -v perf >/dev/null; then
    cpu_true=$(cpu_ms /bin/true)
    cpu_list=$(cpu_ms "$BIN/xl" list)
    cpu_help=$(cpu_ms "$BIN/xl" help)
    [ -z "$base_xl" ] || cpu_list_base=$(cpu_ms "$base_xl" list)
fi
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
if [ -n "$base_xl" ]; then
    read -r b50 b99 < <(percentiles <"$SPLITVISOR_RUNDIR/create-base.us")
    read -r m50 m99 < <(percentiles <"$SPLITVISOR_RUNDIR/list-base.us")
    printf '%-40s p50 %6.1f ms  p99 %6.1f ms   (xl of %s, every other one)\n' \
        "baseline: xl create, 1..$n domains" "$b50" "$b99" "$SV_BASELINE_BUILD" \
        "baseline: xl list at $n domains" "$m50" "$m99" "$SV_BASELINE_BUILD"
fi
if [ -n "${cpu_true:-}" ]; then
    printf '%-40s %6.2f ms CPU (perf stat task-clock, 20 runs)\n' "baseline: start /bin/true" \
        "$cpu_true" "xl list at $n domains" "$cpu_list" "xl help" "$cpu_help"
    [ -z "$base_xl" ] || printf '%-40s %6.2f ms CPU (xl of %s)\n' \
        "baseline: xl list at $n domains" "$cpu_list_base" "$SV_BASELINE_BUILD"
fi
printf '%-40s %6.2f MB                     target <= 0.3 MB: %s\n' \
    "host memory per idle domain beyond RAM" "$mb" "$(verdict "$mb" 0.3)"
printf '%-40s %6.2f MB PSS (in its memory cgroup, charged to its RAM)\n' \
    "a domain's own process" "$(awk -v k="$dom_kb" 'BEGIN {printf "%.2f", k / 1024}')"
