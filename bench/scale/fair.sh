#!/usr/bin/env bash
# Fairness of many TCP pairs through one driver domain (issue 16): PAIRS
# concurrent iperf3 pairs (default 8) between guests on VMDq pools (a NIC
# of PAIRS * 2 + 1 pools of one queue pair: every guest gets one), then
# between guests on netdd's software switch (a NIC of one pool, the
# switch's), then, as the host's own baseline, between network namespaces
# joined by veth pairs (the same iperf3 processes and kernel TCP on the
# same cores, without netfront, netdd or the NIC model).  Each side runs in
# an instance of its own (32 guests at once do not fit in the hypervisor's
# fd budget where it cannot raise its limit) and first runs one pair
# alone, its baseline.  Prints each pair's rate, the aggregate against the
# lone pair, Jain's fairness index (sum x)^2 / (n * sum x^2) (1.0 when
# every pair gets the same), and the aggregate each second (the pairs
# start cold: netdd maps each guest's buffers as they are first used).
# Targets: aggregate >= 0.9x one pair; Jain's index >= 0.95, on pools and
# on the switch.
# The driver domain has the toolstack's weight for one (4096, sixteen
# guests': docs/config.md), as a Xen host weighs dom0 or a driver domain
# above a guest: at one guest's weight it does the work of all 2 * PAIRS
# guests on one guest's share of the CPU (docs/benchmarks.md).
# SV_FAIR_DD_WEIGHT=W gives it W instead (xl sched-credit; 256: as any
# domain, what this bench measured before).
# Usage: bench/scale/run.sh fair [PAIRS [SECONDS]]   (root, after make; iperf3)
#        SV_BUILD=DIR selects the build to measure (tests/integration/lib.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pairs=${1:-8}
secs=${2:-10}
[[ "$pairs" =~ ^[1-9][0-9]?$ ]] && [ "$pairs" -le 15 ] && [[ "$secs" =~ ^[1-9][0-9]*$ ]] ||
    { echo "usage: bench/scale/run.sh fair [PAIRS <= 15 [SECONDS]]" >&2; exit 2; }

n=$((pairs * 2))
ddw=${SV_FAIR_DD_WEIGHT:-}
[ -z "$ddw" ] || { [[ "$ddw" =~ ^[1-9][0-9]*$ ]] && [ "$ddw" -le 65535 ]; } ||
    { echo "SV_FAIR_DD_WEIGHT: 1..65535, not '$ddw'" >&2; exit 2; }

atleast() { awk -v v="$1" -v l="$2" 'BEGIN {print (v >= l) ? "met" : "MISSED"}'; }

if [ $# -lt 3 ]; then # the run: each side in its own instance, one after another
    declare -A ratio fairness
    echo "$pairs TCP pairs, $secs s each, guest -> guest through one netdd (its weight ${ddw:-the default}); load $(cut -d' ' -f1-3 /proc/loadavg)"
    for s in pools switch veth; do
        out=$("$0" "$pairs" "$secs" "$s") || { echo "$s: failed" >&2; exit 1; }
        grep -v '^result ' <<<"$out"
        read -r _ _ ratio[$s] fairness[$s] < <(grep '^result ' <<<"$out")
    done
    echo "baseline (issue 16, before this work): pools 174-1739 Mbit/s a pair; switch within +-10%"
    echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
    for s in pools switch; do
        echo "target: $s aggregate x${ratio[$s]} of one pair >= 0.9: $(atleast "${ratio[$s]}" 0.9)"
        echo "target: $s Jain's index ${fairness[$s]} >= 0.95: $(atleast "${fairness[$s]}" 0.95)" \
            "(veth: ${fairness[veth]})"
    done
    exit 0
fi

side=$3
SV_TEST_TAG=sf$$
source "$here/../../tests/integration/lib.sh"
source "$here/../lib.sh"
t=$SV_TEST_TAG

# Endpoint g of 2 * PAIRS (pair k: 2k - 1 -> 2k): its address, and a
# command run where it is (a guest's namespace, or a veth side's).
ip_of() { echo "10.20.$(($1 / 200)).$(($1 % 200 + 10))"; }
on() { # on G CMD...
    local g=$1
    shift
    if [ "$side" = veth ]; then ip netns exec "sv-$t-v$g" "$@"; else "$BIN/xl" exec "$t-g$g" -- "$@"; fi
}

case $side in
veth)
    require_root
    rd=$(mktemp -d /tmp/sv-fair.XXXXXX)
    sv_on_exit 'rm -rf "$rd"'
    trap sv_cleanup EXIT
    for ((g = 1; g <= n; g += 2)); do
        ip netns add "sv-$t-v$g"
        ip netns add "sv-$t-v$((g + 1))"
        ip link add "sv-$t-a$g" netns "sv-$t-v$g" type veth peer "sv-$t-b$g" netns "sv-$t-v$((g + 1))"
        ip -n "sv-$t-v$g" addr add "$(ip_of $g)/16" dev "sv-$t-a$g"
        ip -n "sv-$t-v$((g + 1))" addr add "$(ip_of $((g + 1)))/16" dev "sv-$t-b$g"
        for e in "$g:a" "$((g + 1)):b"; do
            ip -n "sv-$t-v${e%:*}" link set lo up
            ip -n "sv-$t-v${e%:*}" link set "sv-$t-${e#*:}$g" up
        done
    done
    ;;
pools | switch)
    # The switch's side: pool 0 alone, so every vif is on the switch.
    bench_boot "--wire none --pools $([ "$side" = pools ] && echo $((n + 1)) || echo 1) --queues-per-pool 1"
    dd=$(sv_netdd "$t-dd")
    wait_console "$dd" "PF .* up" >/dev/null
    [ -z "$ddw" ] || "$BIN/xl" sched-credit -d "$t-dd" -w "$ddw"
    for ((g = 1; g <= n; g++)); do sv_guest "$t-g$g" "$t-dd" "$(ip_of $g)/16" >/dev/null; done
    steering=$(xenstore-read "/local/domain/$dd/backend/vif/$("$BIN/xl" domid "$t-g1")/0/steering")
    case "$side:$steering" in
    pools:pool* | "switch:software switch") ;;
    *) fail "$side: the first guest is on '$steering'" ;;
    esac
    ;;
*) fail "no side $side" ;;
esac
[ "$side" = veth ] || for ((g = 1; g <= n; g += 2)); do wait_ping "$t-g$g" "$(ip_of $((g + 1)))"; done

# run FIRST COUNT: COUNT pairs from pair FIRST at once, SECONDS each;
# prints each pair's receiver rate, Mbit/s; each client's output in
# $rd/cli.G (its one-second intervals).
run() {
    local first=$1 count=$2 g cl=()
    for ((g = first; g < first + count * 2; g += 2)); do
        on $((g + 1)) iperf3 -s -1 -D --logfile "$rd/srv.$g"
    done
    sleep 0.5
    for ((g = first; g < first + count * 2; g += 2)); do
        on "$g" timeout $((secs + 30)) iperf3 -c "$(ip_of $((g + 1)))" -t "$secs" -i 1 -f m \
            >"$rd/cli.$g" 2>&1 &
        cl+=($!)
    done
    wait "${cl[@]}" || true
    for ((g = first; g < first + count * 2; g += 2)); do
        awk '/receiver/ {r = $(NF - 2)} END {print r + 0}' "$rd/cli.$g"
    done
}
jain() { awk '{s += $1; q += $1 * $1; n++} END {printf "%.3f", q ? s * s / (n * q) : 0}'; }
sum() { awk '{s += $1} END {printf "%.0f", s}'; }
# The pairs' summed sender rate in each second of the last run.
per_second() {
    cat "$rd"/cli.* | awk '/bits\/sec/ && !/sender|receiver/ {
        for (i = 2; i <= NF; i++) {
            if ($i ~ /^[0-9.]+-[0-9.]+$/) { split($i, iv, "-"); s = int(iv[1] + 0.5) }
            if ($i ~ /bits\/sec/) r = $(i - 1)
        }
        a[s] += r; if (s > m) m = s }
        END {for (i = 0; i <= m; i++) printf "%.0f ", a[i]}'
}

one=$(run 1 1)
rm -f "$rd"/cli.*
all=$(run 1 "$pairs")
total=$(sum <<<"$all")
ratio=$(awk -v a="$total" -v b="$one" 'BEGIN {printf "%.2f", b ? a / b : 0}')
fairness=$(jain <<<"$all")
printf '%-7s one pair alone %6.0f Mbit/s; %d at once: %s Mbit/s, aggregate %s (x%s of one), Jain %s\n' \
    "$side" "$one" "$pairs" "$(tr '\n' ' ' <<<"$all")" "$total" "$ratio" "$fairness"
printf '%-7s all pairs, Mbit/s each second: %s\n' "$side" "$(per_second)"
echo "result $side $ratio $fairness"
