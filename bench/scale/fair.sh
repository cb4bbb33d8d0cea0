#!/usr/bin/env bash
# Fairness of many TCP pairs through one driver domain (issue 16): PAIRS
# concurrent iperf3 pairs (default 8) between guests on VMDq pools, then the
# same number between guests on netdd's software switch (pool 0), on one NIC
# (PAIRS * 2 + 1 pools of one queue pair: the first PAIRS * 2 guests get
# pools, the rest overflow onto the switch) and one netdd.  Each side also
# runs one pair alone, its baseline.  Prints each pair's rate, the
# aggregate against the lone pair, and Jain's fairness index
# (sum x)^2 / (n * sum x^2), 1.0 when every pair gets the same.
# Targets: aggregate >= 0.9x one pair; Jain's index >= 0.95, on both.
# Usage: bench/scale/run.sh fair [PAIRS [SECONDS]]   (root, after make; iperf3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pairs=${1:-8}
secs=${2:-10}
[[ "$pairs" =~ ^[1-9][0-9]?$ ]] && [ "$pairs" -le 15 ] && [[ "$secs" =~ ^[1-9][0-9]*$ ]] ||
    { echo "usage: bench/scale/run.sh fair [PAIRS <= 15 [SECONDS]]" >&2; exit 2; }
SV_TEST_TAG=sf$$
source "$here/../../tests/integration/lib.sh"
source "$here/../lib.sh"
t=$SV_TEST_TAG
bench_boot "--wire none --pools $((pairs * 2 + 1)) --queues-per-pool 1"
dd=$(sv_netdd "$t-dd")
wait_console "$dd" "PF .* up" >/dev/null

ip_of() { echo "10.20.$(($1 / 200)).$(($1 % 200 + 10))"; }
n=$((pairs * 4))
for ((g = 1; g <= n; g++)); do sv_guest "$t-g$g" "$t-dd" "$(ip_of $g)/16" >/dev/null; done
for ((g = 1; g <= n; g += 2)); do wait_ping "$t-g$g" "$(ip_of $((g + 1)))"; done
steering() {
    xenstore-read "/local/domain/$dd/backend/vif/$("$BIN/xl" domid "$t-g$1")/0/steering" 2>/dev/null
}

# run FIRST COUNT: COUNT pairs (FIRST, FIRST+1), (FIRST+2, FIRST+3)... at
# once, SECONDS each; prints each pair's receiver rate, Mbit/s.
run() {
    local first=$1 count=$2 g cl=()
    for ((g = first; g < first + count * 2; g += 2)); do
        "$BIN/xl" exec "$t-g$((g + 1))" -- iperf3 -s -1 -D --logfile "$rd/srv.$g"
    done
    sleep 0.5
    for ((g = first; g < first + count * 2; g += 2)); do
        timeout $((secs + 30)) "$BIN/xl" exec "$t-g$g" -- iperf3 -c "$(ip_of $((g + 1)))" \
            -t "$secs" -f m >"$rd/cli.$g" 2>&1 &
        cl+=($!)
    done
    wait "${cl[@]}" || true
    for ((g = first; g < first + count * 2; g += 2)); do
        awk '/receiver/ {r = $(NF - 2)} END {print r + 0}' "$rd/cli.$g"
    done
}
jain() { awk '{s += $1; q += $1 * $1; n++} END {printf "%.3f", q ? s * s / (n * q) : 0}'; }
sum() { awk '{s += $1} END {printf "%.0f", s}'; }

declare -A ratio fairness
side() { # side LABEL FIRST
    local one all total
    one=$(run "$2" 1)
    all=$(run "$2" "$pairs")
    total=$(sum <<<"$all")
    ratio[$1]=$(awk -v a="$total" -v b="$one" 'BEGIN {printf "%.2f", b ? a / b : 0}')
    fairness[$1]=$(jain <<<"$all")
    printf '%-7s one pair alone %6.0f Mbit/s; %d at once: %s Mbit/s, aggregate %s (x%s of one), Jain %s\n' \
        "$1" "$one" "$pairs" "$(tr '\n' ' ' <<<"$all")" "$total" "${ratio[$1]}" "${fairness[$1]}"
}
echo "$pairs TCP pairs, $secs s, guest -> guest through one netdd; first guest on $(steering 1)," \
    "guest $((pairs * 2 + 1)) on $(steering $((pairs * 2 + 1))); load $(cut -d' ' -f1-3 /proc/loadavg)"
side pools 1
side switch $((pairs * 2 + 1))
echo "baseline (issue 16, before this work): pools 174-1739 Mbit/s a pair; switch within +-10%"
atleast() { awk -v v="$1" -v l="$2" 'BEGIN {print (v >= l) ? "met" : "MISSED"}'; }
for s in pools switch; do
    echo "target: $s aggregate x${ratio[$s]} of one pair >= 0.9: $(atleast "${ratio[$s]}" 0.9)"
    echo "target: $s Jain's index ${fairness[$s]} >= 0.95: $(atleast "${fairness[$s]}" 0.95)"
done
