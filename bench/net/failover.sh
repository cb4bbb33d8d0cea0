#!/usr/bin/env bash
# The failover gap on a cold standby, one detach per fresh system: guest a
# has a vif on netdd and a VF teamed with it (pci failover=0), streams TCP
# to vif guest b with pings every 10 ms beside it, and its VF is detached
# 3 s in.  Each round boots its own hypervisor, so a's vif has carried
# nothing before it takes the stream over (bench/net/vf.sh detaches once,
# and a second detach finds the vif warm).  Prints per round: how long the
# detach took in xl, the longest time without a ping answer, the longest
# run of 0.1 s iperf3 intervals without data and the retransmissions.
# KIND is what happens 3 s in: detach (xl pci-detach, the default),
# reattach (the detach, and xl pci-attach 3 s later: the longest ping gap
# after the attach began is printed apart), flr (xl pci-reset of the VF
# under the guest) or forced (xl pci-detach -f).
# Usage: bench/net/failover.sh [ROUNDS] [KIND]   (root, after make && make
# tests; default 3 detach).  SV_BUILD=DIR measures another build (its bin/
# and tests/bin/) with this script, so two builds can be run alternately in
# one session.
set -euo pipefail
rounds=${1:-3}
kind=${2:-detach}
usage="usage: bench/net/failover.sh [ROUNDS] [detach|reattach|flr|forced]"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
case $kind in detach | reattach | flr | forced) ;; *) echo "$usage" >&2; exit 2 ;; esac
command -v iperf3 >/dev/null || { echo "bench/net/failover.sh: needs iperf3" >&2; exit 1; }
export SV_BUILD=${SV_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}

# One round in a subshell: lib.sh's EXIT trap stops its system.
round() {
    (
        source "$(dirname "$0")/../../tests/integration/lib.sh"
        require_root
        t=$SV_TEST_TAG
        vf=0000:03:10.0
        sv_start --nic "--vfs 2"
        dd=$(sv_netdd "$t-dd")
        sv_guest "$t-b" "$t-dd" 10.15.0.3/24 >/dev/null
        "$BIN/xl" pci-assignable-add $vf
        printf 'name = "%s"\nmemory = 64\nkernel = "%s"\nvif = [ "backend=%s,mac=00:16:3e:5f:0b:01,ip=10.15.0.2/24" ]\npci = [ "%s,failover=0" ]\n' \
            "$t-a" "$BIN/guest" "$t-dd" "$vf" >"$SPLITVISOR_RUNDIR/a.cfg"
        "$BIN/xl" create "$SPLITVISOR_RUNDIR/a.cfg" >/dev/null
        a=$("$BIN/xl" domid "$t-a")
        wait_console "$dd" "backend/vif/$a/0 stands by" >/dev/null
        wait_ping "$t-a" 10.15.0.3
        r=$SPLITVISOR_RUNDIR
        "$BIN/xl" exec "$t-b" -- iperf3 -s -1 -D
        sleep 0.5
        local secs=8 t0 t1 t2=0 alive=yes
        [ "$kind" = reattach ] && secs=11
        "$BIN/xl" exec "$t-a" -- iperf3 -c 10.15.0.3 -t $secs -i 0.1 -f m --forceflush >"$r/stream" 2>&1 &
        local sp=$!
        "$BIN/xl" exec "$t-a" -- ping -D -i 0.01 -c $((secs * 100 - 100)) -W 1 10.15.0.3 >"$r/ping" 2>&1 &
        local pp=$!
        sleep 3
        t0=$(date +%s%N)
        case $kind in
        flr) "$BIN/xl" pci-reset "$vf" ;;
        forced) "$BIN/xl" pci-detach -f "$t-a" "$vf" ;;
        *) "$BIN/xl" pci-detach "$t-a" "$vf" ;;
        esac
        t1=$(date +%s%N)
        if [ "$kind" = reattach ]; then
            sleep 3
            t2=$(date +%s%N)
            "$BIN/xl" pci-attach "$t-a" "$vf,failover=0"
        fi
        wait "$sp" || alive=no
        wait "$pp" || true
        printf '%s %d ms, connection alive: %s, ' "$kind" $(((t1 - t0) / 1000000)) "$alive"
        # The longest gap, and with a re-attach the longest that ended
        # after the attach began.
        awk -v t2="$t2" '/bytes from/ { ts = substr($1, 2, length($1) - 2) + 0
                            if (last && ts - last > gap) gap = ts - last
                            if (t2 && last && ts * 1e9 > t2 && ts - last > again) again = ts - last
                            last = ts }
             END { printf "longest ping gap %.0f ms, ", gap * 1000
                   if (t2) printf "after the re-attach %.0f ms, ", again * 1000 }' "$r/ping"
        awk '/sec/ && !/sender|receiver/ { n = ($7 == "0.00") ? n + 1 : 0; if (n > m) m = n }
             / sender/ { r = $9 }
             END { printf "iperf3 gap %d ms, %s retransmissions\n", m * 100, r }' "$r/stream"
    )
}

echo "bench/net/failover: $SV_BUILD, $rounds rounds of $kind, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 1; i <= rounds; i++)); do
    printf 'round %d (load %s): ' "$i" "$(cut -d' ' -f1 /proc/loadavg)"
    round
done
