#!/usr/bin/env bash
# Domains attacking xenstored (tests/domains/xsflood.c): transactions that
# log without end, a watcher that stops reading its ring while another
# client writes what it watches (128 watches: 128 events a write), and a
# request ring kept full.  Under each, xenstored's resident memory stays
# bounded and dom0's xenstore-read still answers at once.
source "$(dirname "$0")/lib.sh"
require_root
command -v xenstore-read >/dev/null || skip "needs xenstore-utils"
# ASan keeps freed memory in quarantine (256 MiB by default): resident size
# would measure the quarantine, not xenstored.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4
sv_start
t=$SV_TEST_TAG
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket
xspid=$(cat "$SPLITVISOR_RUNDIR/xenstored.pid")

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$xspid/status"; }

# A domain running xsflood: flood NAME ARGS... -> domid
flood() {
    local name=$1 cfg=$SPLITVISOR_RUNDIR/$1.cfg; shift
    printf 'name = "%s"\nmemory = 16\nkernel = "%s"\nextra = "%s"\n' \
        "$name" "$TESTBIN/xsflood" "$*" >"$cfg"
    "$BIN/xl" create "$cfg" >/dev/null
    "$BIN/xl" domid "$name"
}

# Ten reads by dom0 while the flood runs: the slowest must take < 300 ms.
dom0_reads_fast() {
    local worst=0 t0 ms
    for _ in $(seq 10); do
        t0=$(date +%s%N)
        [ "$(xenstore-read /local/domain/0/name)" = Domain-0 ] ||
            fail "dom0's read failed during $1"
        ms=$((($(date +%s%N) - t0) / 1000000))
        [ "$ms" -gt "$worst" ] && worst=$ms
        sleep 0.2
    done
    [ "$worst" -lt 300 ] || fail "a dom0 read took $worst ms during $1"
    echo "$worst"
}

# Resident size may grow by at most 48 MiB over the run (it grew by
# 700-880 MB a minute, and 2 GB in 15 s, before the quotas).
rss_bounded() {
    local now
    now=$(rss_kb)
    [ "$now" -lt $((base + 48 * 1024)) ] ||
        fail "xenstored resident $((now / 1024)) MiB after $1 (from $((base / 1024)))"
    echo "$((now / 1024)) MiB"
}

xenstore-read /local/domain/0/name >/dev/null
base=$(rss_kb)

d=$(flood "$t-trans" trans)
wait_console "$d" "^TRANS$" >/dev/null
worst=$(dom0_reads_fast "the transaction flood")
sleep 6
rss=$(rss_bounded "the transaction flood")
pass "transaction flood: xenstored at $rss, dom0 read <= $worst ms"
"$BIN/xl" destroy "$t-trans"

xenstore-write /sv-flood ""
w=$(flood "$t-watch" watch-noread /sv-flood 128)
xenstore-chmod /sv-flood n0 "r$w"
wait_console "$w" "^WATCHING$" >/dev/null
"$TESTBIN/xsflood" write /sv-flood 8 >"$SPLITVISOR_RUNDIR/write.out" &
wpid=$!
sv_on_exit "kill $wpid 2>/dev/null"
worst=$(dom0_reads_fast "the watch-event flood")
wait "$wpid" || fail "dom0's writer failed"
grep -q "^WROTE" "$SPLITVISOR_RUNDIR/write.out" || fail "writer: $(cat "$SPLITVISOR_RUNDIR/write.out")"
rss=$(rss_bounded "the watch-event flood")
grep -q "dom$w: not reading its watch events: dropping them" \
    "$SPLITVISOR_RUNDIR/xenstored.log" || fail "no dropped events logged"
pass "watch-event flood ($(cat "$SPLITVISOR_RUNDIR/write.out") writes, 128 watches): xenstored at $rss, dom0 read <= $worst ms"
"$BIN/xl" destroy "$t-watch"

r=$(flood "$t-ring" ring)
wait_console "$r" "^FLOODING$" >/dev/null
worst=$(dom0_reads_fast "the ring flood")
rss=$(rss_bounded "the ring flood")
pass "ring flood: dom0 read <= $worst ms, xenstored at $rss"
"$BIN/xl" destroy "$t-ring"
kill -0 "$xspid" || fail "xenstored died"
