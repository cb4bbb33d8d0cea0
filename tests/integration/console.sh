#!/usr/bin/env bash
# xl console shows what a domain printed and forwards input to it; it ends
# when the domain is gone.
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
