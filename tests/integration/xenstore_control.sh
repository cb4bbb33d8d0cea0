#!/usr/bin/env bash
# Xen's own xenstore-control (Debian's xen-utils-4.17 puts it in
# /usr/lib/xen-4.17/bin; $XENSTORE_CONTROL names another) against our
# xenstored: help, quota (show, set, a domain's use), quota-soft, check,
# memreport, logfile, print, and an unknown command.
. "$(dirname "$0")/lib_xenstored.sh"
xc=${XENSTORE_CONTROL:-}
for c in $xc /usr/lib/xen-*/bin/xenstore-control /usr/bin/xenstore-control; do
    [ -x "$c" ] && { xc=$c; break; }
done
[ -x "$xc" ] || { echo "SKIP: no xenstore-control binary (xen-utils-4.17, or set XENSTORE_CONTROL)"; exit 77; }
xs_start

fail() { echo "FAIL: $*"; exit 1; }
has() { # has PATTERN CMD... : CMD succeeds and prints a line matching PATTERN
    local pat=$1 out; shift
    out=$("$xc" "$@") || fail "xenstore-control $* exited $?"
    grep -Eq "$pat" <<<"$out" || fail "xenstore-control $*: no /$pat/ in: $out"
}

for cmd in check quota quota-soft memreport logfile print help; do
    has "^$cmd " help
done
has '^memory +: +2621440 Total Xenstore memory per domain$' quota
has '^transaction-nodes: +1024 ' quota
has '^request-rate +: +200 Requests per second per domain connection$' quota
has '^request-burst +: +256 ' quota
has '^memory +: +2097152 ' quota-soft
has '^OK$' quota set nodes 2
has '^nodes +: +2 ' quota
has '^OK$' quota-soft set memory 1000000
has '^memory +: +1000000 ' quota-soft

# A domain's use of its quotas (its home is its one node).
xenstore-write /local/domain/4 ""
xenstore-chmod /local/domain/4 n4
has '^nodes +: +1$' quota 4
has '^memory +: +[1-9][0-9]* *$' quota 4
has '^OK$' check
has '^OK$' memreport "$SPLITVISOR_RUNDIR/mem.txt"
grep -q '^domain 4: 1 nodes' "$SPLITVISOR_RUNDIR/mem.txt" || fail "memreport: $(cat "$SPLITVISOR_RUNDIR/mem.txt")"
[ "$(stat -c %a "$SPLITVISOR_RUNDIR/mem.txt")" = 600 ] || fail "memreport file mode"
! "$xc" bogus >/dev/null 2>&1 || fail "unknown command accepted"
! "$xc" quota set nosuch 3 >/dev/null 2>&1 || fail "unknown quota accepted"
has '^OK$' logfile "$SPLITVISOR_RUNDIR/xenstored.log.2"
has '^OK$' print sv-marker
grep -q 'control: sv-marker' "$SPLITVISOR_RUNDIR/xenstored.log.2" || fail "logfile"
[ "$(stat -c %a "$SPLITVISOR_RUNDIR/xenstored.log.2")" = 600 ] || fail "logfile mode"
has '^OK$' logfile "$SPLITVISOR_RUNDIR/xenstored.log"
xs_alive
xs_stop
echo PASS
