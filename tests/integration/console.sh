#!/usr/bin/env bash
# xl console shows what a domain printed and forwards input to it; it ends
# when the domain is gone.  A domain that prints without end is drained but
# its log stops at CONSOLE_LOG_MAX (8 MiB).
source "$(dirname "$0")/lib.sh"
require_root
sv_start
t=$SV_TEST_TAG

d=$(sv_create "$t-echo" echo)
wait_console "$d" ECHOING >/dev/null
out=$( (echo hello; sleep 0.5; echo bye; sleep 3) | timeout 10 "$BIN/xl" console "$d") \
    || fail "xl console did not end with its domain (exit $?)"
grep -q "^ECHOING" <<<"$out" || fail "history not shown: $out"
grep -q "^ECHO hello" <<<"$out" || fail "input not forwarded: $out"
grep -q "^ECHO bye" <<<"$out" || fail "input not forwarded: $out"
[ "$(domain_state "$d")" = "---s--" ] || fail "domain did not power off: $(domain_state "$d")"
pass "xl console: history, input forwarded, ends with the domain"

f=$(sv_create "$t-flood" flood 12)
for _ in $(seq 200); do
    grep -q "domain $f ($t-flood): console log reached" "$SPLITVISOR_RUNDIR/splitvisor.log" && break
    sleep 0.05
done
grep -q "domain $f ($t-flood): console log reached" "$SPLITVISOR_RUNDIR/splitvisor.log" \
    || fail "no console limit reported for domain $f"
size=$(stat -c %s "$SPLITVISOR_RUNDIR/console/$f.log")
[ "$size" -le $(((8 << 20) + 100)) ] || fail "console log of domain $f is $size bytes"
tail -1 "$SPLITVISOR_RUNDIR/console/$f.log" | grep -q "^\[console log full" \
    || fail "the log does not say it is full"
[[ "$(domain_state "$f")" =~ ^(r-----|-b----)$ ]] || fail "the flooding domain is $(domain_state "$f")"
pass "a flooding domain's console log stops at 8 MiB and says so; the domain runs on"
