#!/usr/bin/env bash
# What IP anti-spoofing costs TCP guest->guest: two pairs of guests on one
# driver domain, F1->F2 with addresses on their vifs (ip=: netdd checks
# every frame they send) and U1->U2 without (the guests set their own
# addresses: nothing is checked), iperf3 SECONDS each, in turns, ROUNDS
# times.  With BASE (another tree's build directory, e.g. main's at the
# branch point), each round runs that build's whole host first and then
# this one's, so before and after alternate in one run.  Prints every
# figure with the driver domain's CPU a Gbit/s (cores: its processes'
# utime+stime over a window inside the run, bench/net/lib.sh), then per
# build the medians and F/U.
# Usage: bench/net/ipfilter.sh [SECONDS [ROUNDS [BASE-BUILD-DIR]]]
#        (root, after make; needs iperf3; default 5 s, 3 rounds)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "bench/net/ipfilter.sh: needs root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "bench/net/ipfilter.sh: needs iperf3" >&2; exit 1; }
secs=${1:-5}
rounds=${2:-3}
base=${3:-}
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS [ROUNDS [BASE]]]" >&2; exit 2; }
[ -z "$base" ] || [ -x "$base/bin/netdd" ] || { echo "$0: no build in $base" >&2; exit 2; }
this=$PWD/build
bin=$this/bin
bench=$this/bench
PF=0000:03:00.0
DD=bench-ipf-dd
F1=bench-ipf-f1 F2=bench-ipf-f2 U1=bench-ipf-u1 U2=bench-ipf-u2

source bench/net/lib.sh
bench_begin "sv-$DD" "sv-$F1" "sv-$F2" "sv-$U1" "sv-$U2"
watch=("sv-$DD") # netdd's CPU

in_f1() { "$bin/xl" exec "$F1" -- "$@"; }
in_f2() { "$bin/xl" exec "$F2" -- "$@"; }
in_u1() { "$bin/xl" exec "$U1" -- "$@"; }
in_u2() { "$bin/xl" exec "$U2" -- "$@"; }

# guest NAME MAC IP [filtered]: on the driver domain, its address in ip= on
# its vif (filtered) or set in the guest
guest() {
    printf '%s\n' "name = \"$1\"" "memory = 128" "kernel = \"$bin/guest\"" \
        "vif = [ 'mac=$2,backend=$DD${4:+,ip=$3/24}' ]" >"$rd/$1.cfg"
    "$bin/xl" create "$rd/$1.cfg" >/dev/null
    [ -n "${4:-}" ] || "$bin/xl" exec "$1" -- ip addr add "$3/24" dev eth0
}

# The host of the build in bin, with its driver domain and four guests.
host_up() {
    step="host of $bin"
    "$bin/splitvisor" start --nic "--wire none" >/dev/null
    printf '%s\n' "name = \"$DD\"" "memory = 256" "vcpus = 2" "kernel = \"$bin/netdd\"" \
        'driver_domain = 1' "pci = [ '$PF' ]" >"$rd/dd.cfg"
    "$bin/xl" pci-assignable-add "$PF"
    "$bin/xl" create "$rd/dd.cfg" >/dev/null
    guest "$F1" 00:16:3e:be:05:01 10.0.0.31 filtered
    guest "$F2" 00:16:3e:be:05:02 10.0.0.32 filtered
    guest "$U1" 00:16:3e:be:06:01 10.0.0.33
    guest "$U2" 00:16:3e:be:06:02 10.0.0.34
    for _ in $(seq 50); do
        in_f1 ping -c 1 -W 1 10.0.0.32 >/dev/null 2>&1 && in_u1 ping -c 1 -W 1 10.0.0.34 \
            >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "the guests cannot reach each other" >&2
    return 1
}

host_down() {
    "$bin/splitvisor" stop >/dev/null
}

declare -A f u fc uc
builds=("$this")
[ -z "$base" ] || builds=("$base" "$this")
echo "TCP guest->guest, iperf3 $secs s, $rounds rounds; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-32s %10s %14s %10s %14s %7s\n' round build "F Gbit/s" "netdd cores/G" \
    "U Gbit/s" "netdd cores/G" "F/U"
# The driver domain's cores a Gbit/s of the run just measured (fig, cpu).
per_gbit() { awk -v c="${cpu%% *}" -v g="${fig%% *}" 'BEGIN { printf "%.3f\n", (g > 0 ? c / g : 0) }'; }
for ((r = 1; r <= rounds; r++)); do
    for b in "${builds[@]}"; do
        bin=$b/bin
        host_up
        # In turns: F first in odd rounds, U first in even ones.
        for pair in $( ((r % 2)) && echo F U || echo U F); do
            step="$pair, $b"
            if [ "$pair" = F ]; then
                tcp_run in_f2 in_f1 10.0.0.32
                fa=${fig%% *} fca=$(per_gbit)
            else
                tcp_run in_u2 in_u1 10.0.0.34
                ua=${fig%% *} uca=$(per_gbit)
            fi
        done
        host_down
        f[$b]="${f[$b]:-} $fa" fc[$b]="${fc[$b]:-} $fca"
        u[$b]="${u[$b]:-} $ua" uc[$b]="${uc[$b]:-} $uca"
        printf '%-6s %-32s %10s %14s %10s %14s %7s\n' "$r" "$b" "$fa" "$fca" "$ua" "$uca" \
            "$(ratio "$fa" "$ua")"
    done
done
bin=$this/bin
echo "medians:"
for b in "${builds[@]}"; do
    # shellcheck disable=SC2086 # one figure a word
    fm=$(median ${f[$b]}) um=$(median ${u[$b]})
    # shellcheck disable=SC2086
    printf '  %s\n    F %s Gbit/s (%s), netdd %s cores/G; U %s Gbit/s (%s), netdd %s cores/G; F/U %s\n' \
        "$b" "$fm" "$(range ${f[$b]})" "$(median ${fc[$b]})" "$um" "$(range ${u[$b]})" \
        "$(median ${uc[$b]})" "$(ratio "$fm" "$um")"
done
if [ -n "$base" ]; then
    # shellcheck disable=SC2086
    echo "F this/base: $(ratio "$(median ${f[$this]})" "$(median ${f[$base]})") Gbit/s," \
        "$(ratio "$(median ${fc[$this]})" "$(median ${fc[$base]})") netdd cores/G"
fi
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
