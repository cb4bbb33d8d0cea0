#!/usr/bin/env bash
# Many guests on one driver domain (issue 16): GUESTS guests (default 64)
# with a vif each on one netdd -- the first on VMDq pools while the PF has
# free ones, the rest on netdd's software switch (pool 0) -- all passing
# traffic (each pings the next; pairs send TCP for a second); then `xl
# destroy` of three guests on pools and three on the switch, each timed,
# while g1 pings g2 every 10 ms, beside a quiet window of the same pings
# just before it.  netdd's memory is read throughout: its RAM in use (the
# pages of its RAM memfd, which holds the pools' DMA buffers, whoever wrote
# them: netdd or the NIC model) and its own heap (anonymous PSS).
# Targets (issue 16): every guest passes traffic; each destroy <= 200 ms;
# g1 -> g2 p99 during the destroys within 1 ms of the quiet windows'; with
# every guest gone, netdd's RAM back to what it was with none but the
# switch's pool (12 MB at most).  Each guest's shared frames are memfds
# the hypervisor holds: 2 x BUFFERS + 3 a guest with a vif (BUFFERS: its
# netfront's pages each way, 253 by default, the vif's rx_queue_size= and
# tx_queue_size=), so a hypervisor limited to 20 000 fds, as in a container
# without CAP_SYS_RESOURCE, takes ~32 guests at 253 and 64 at 96.
# With SV_BASELINE_BUILD=DIR (another build's top, with bin/ and lib/),
# every other destroy is that build's xl, printed beside ours.
# Usage: bench/scale/run.sh vifs [GUESTS [BUFFERS]]   (as root, after make; iperf3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-64}
bufs=${2:-}
base_xl=${SV_BASELINE_BUILD:+$SV_BASELINE_BUILD/bin/xl}
[[ "$n" =~ ^[1-9][0-9]*$ ]] && [ "$n" -ge 8 ] && [[ "$bufs" =~ ^[0-9]*$ ]] ||
    { echo "usage: bench/scale/run.sh vifs [GUESTS >= 8 [BUFFERS 1..253]]" >&2; exit 2; }
SV_TEST_TAG=sc$$
source "$here/../../tests/integration/lib.sh"
source "$here/../lib.sh"
t=$SV_TEST_TAG
bench_boot "--wire none"

ip_of() { echo "10.19.$(($1 / 200)).$(($1 % 200 + 10))"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# netdd owns its vifs' backend directories (xenstore charges a node to its
# owner): ~24 nodes a vif, past Xen's default quota of 1000 nodes a domain
# beyond ~40 vifs; xl gives a driver domain its own node quota, sized for
# the 64 vifs netdd serves (docs/xenstore.md), so the host-wide one stays.
dd=$(sv_netdd "$t-dd")
netdd=$(awk -v pat="domain $dd \\\\($t-dd\\\\) created" '$0 ~ pat {print $NF}' "$rd/splitvisor.log" | tail -1)
wait_console "$dd" "PF .* up" >/dev/null
# MB of netdd's RAM in use: the allocated pages of the memfd it maps as RAM.
ram_mb() {
    local r
    r=$(awk '/memfd:sv-ram/ {print $1; exit}' "/proc/$netdd/maps")
    awk -v b="$(stat -L -c %b "/proc/$netdd/map_files/$r")" 'BEGIN {printf "%.1f", b * 512 / 1048576}'
}
heap_mb() { awk '/^Pss_Anon:/ {printf "%.1f", $2 / 1024}' "/proc/$netdd/smaps_rollup"; }
mb_per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {printf "%.2f", (b - a) / n}'; }
ram0=$(ram_mb)
heap0=$(heap_mb)

t0=$(date +%s%N)
declare -A id
for ((g = 1; g <= n; g++)); do
    id[$g]=$(sv_guest "$t-g$g" "$t-dd" "$(ip_of $g)/16" "${bufs:+rx_queue_size=$bufs,tx_queue_size=$bufs}")
done
create_ms=$(ms_since "$t0")
wait_ping "$t-g1" "$(ip_of 2)"
steering() { xenstore-read "/local/domain/$dd/backend/vif/${id[$1]}/0/steering" 2>/dev/null || echo none; }
pools=() switched=()
for ((g = 1; g <= n; g++)); do
    case $(steering "$g") in pool*) pools+=("$g") ;; *) switched+=("$g") ;; esac
done

# Every guest passes traffic: each pings the next (the last the first),
# all at once, 3 answers within 10 s.
for ((g = 1; g <= n; g++)); do
    ("$BIN/xl" exec "$t-g$g" -- ping -c 3 -i 0.2 -w 10 "$(ip_of $((g % n + 1)))" >/dev/null 2>&1 &&
        echo "$g" >"$rd/reach.$g") &
done
wait
reached=$(cat "$rd"/reach.* 2>/dev/null | wc -l)
# Pairs (3, 4), (5, 6), ... send TCP for a second: pool buffers written,
# zero-copy mappings made, all of which a destroy must release.
for ((g = 3; g + 1 <= n; g += 2)); do
    "$BIN/xl" exec "$t-g$((g + 1))" -- iperf3 -s -1 -D --logfile "$rd/iperf-$g.log"
done
sleep 0.5
tcp=()
for ((g = 3; g + 1 <= n; g += 2)); do
    timeout 20 "$BIN/xl" exec "$t-g$g" -- iperf3 -c "$(ip_of $((g + 1)))" -t 1 >/dev/null 2>&1 &
    tcp+=($!)
done
wait "${tcp[@]}" 2>/dev/null || true
sleep 0.5
ram1=$(ram_mb)
heap1=$(heap_mb)
echo "$n guests on one netdd (netfront buffers each way: ${bufs:-253, the default}): ${#pools[@]} on VMDq pools, ${#switched[@]} on its switch;" \
    "created in $((create_ms / 1000)).$((create_ms % 1000 / 100)) s ($((create_ms / n)) ms each); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "resources: $(counts); netdd's xenstore nodes: $(xs_control quota "$dd" | awk -F: '$1 ~ /^nodes/ {print $2 + 0}')"

# The destroys: three guests on pools and three on the switch, the last
# of each (never g1, g2: the pinging pair).
victims=()
for ((i = ${#pools[@]} - 1; i >= 0 && ${#victims[@]} < 3; i--)); do
    [ "${pools[i]}" -gt 2 ] && victims+=("${pools[i]}")
done
for ((i = ${#switched[@]} - 1; i >= 0 && ${#victims[@]} < 6; i--)); do
    [ "${switched[i]}" -gt 2 ] && victims+=("${switched[i]}")
done
window() { # window FILE [GUEST]: 3 s of pings g1 -> g2, destroying GUEST 1 s in
    pinger "$t-g1" "$(ip_of 2)" 3 "$1"
    local p=$! s
    bg+=("$p")
    sleep 1
    if [ -n "${2:-}" ]; then
        s=$(date +%s%N)
        "$xl" destroy "$t-g$2"
        destroy_ms=$(ms_since "$s")
    fi
    wait "$p" || true
}
rtts() { awk -F'time=' '/time=/ {split($2, a, " "); print a[1]}' "$@"; }
: >"$rd/destroys"
: >"$rd/destroys.baseline"
k=0
for g in "${victims[@]}"; do
    xl=$BIN/xl who=ours
    if [ -n "$base_xl" ] && [ $((k++ % 2)) = 1 ]; then xl=$base_xl who=baseline; fi
    where=$(steering "$g")
    before=$(ram_mb)
    window "$rd/quiet.$g"
    window "$rd/busy.$g" "$g"
    echo "$destroy_ms" >>"$rd/destroys$([ "$who" = ours ] || echo .baseline)"
    sleep 0.3 # netdd's teardown of the vif follows the domain's end
    after=$(ram_mb)
    printf 'destroy of g%d (%s, %s xl): %4d ms; netdd RAM %s -> %s MB; g1 -> g2 p50 p90 p99 max, ms: quiet %s, during %s, %s\n' \
        "$g" "$where" "$who" "$destroy_ms" "$before" "$after" "$(rtts "$rd/quiet.$g" | pct)" \
        "$(rtts "$rd/busy.$g" | pct)" "$(grep -o '[0-9]* received' "$rd/busy.$g" || echo '0 received')"
done
echo "resources after ${#victims[@]} destroys: $(counts)"

# What every xl command pays before it does anything, now: starting a process.
for _ in $(seq 20); do
    s=$(date +%s%N)
    /bin/true
    ms_since "$s"
done >"$rd/true.ms"
echo "baseline: starting /bin/true, ms p50 p90 p99 max: $(pct <"$rd/true.ms") (part of each destroy's time)"
[ -z "$base_xl" ] || echo "xl destroy, ms p50 p90 p99 max: ours $(pct <"$rd/destroys");" \
    "baseline ($SV_BASELINE_BUILD) $(pct <"$rd/destroys.baseline")"
qp99=$(rtts "$rd"/quiet.* | pct | awk '{print $3}')
bp99=$(rtts "$rd"/busy.* | pct | awk '{print $3}')
dmax=$(pct <"$rd/destroys" | awk '{print $4}')
echo "netdd RAM in use: $ram0 MB with no vif, $ram1 MB with $n vifs after traffic" \
    "($(mb_per "$ram0" "$ram1" "${#pools[@]}") MB per pool vif; switch vifs use pool 0's, shared);" \
    "its heap $heap0 -> $heap1 MB ($(mb_per "$heap0" "$heap1" "$n") MB per vif)"
echo "baseline (issue 16, before this work): destroy 5 s with 16 guests, others' pings up to 5.4 s;" \
    "~12 MB per pool, never given back"
target "guests passing traffic, of $n (missing)" "$((n - reached))" 0
target "xl destroy with $n guests, worst ms" "$dmax" 200
target "g1 -> g2 ping p99 during destroys, ms (quiet: $qp99)" "$bp99" "$(awk -v q="$qp99" 'BEGIN {print q + 1}')"
# Every guest gone: what netdd's RAM comes back to.  Pool 0 (the switch's)
# stays started while netdd runs: one queue's buffers at most.
for ((g = 1; g <= n; g++)); do "$BIN/xl" destroy "$t-g$g" 2>/dev/null || true; done
sleep 1
ram_end=$(ram_mb)
echo "netdd RAM in use with every guest gone: $ram_end MB (peak $ram1 MB, none before: $ram0 MB)"
target "netdd RAM kept after every vif went, MB (the switch's pool: at most 12)" \
    "$(awk -v a="$ram_end" -v b="$ram0" 'BEGIN {printf "%.1f", a - b}')" 12
