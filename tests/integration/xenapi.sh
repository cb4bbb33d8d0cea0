#!/usr/bin/env bash
# A program written for Xen's libraries, compiled against Debian's headers and
# linked with -lxenctrl -lxengnttab -lxenevtchn from our build, works unchanged
# in dom0 and as a domain image, and the two talk through grants and an
# event channel.
source "$(dirname "$0")/lib.sh"
require_root
command -v cc >/dev/null || skip "needs a C compiler"
sv_start
t=$SV_TEST_TAG
src=$(dirname "$0")/../domains/xenapi_check.c
prog=$SPLITVISOR_RUNDIR/xenapi_check
# The sanitized build's libraries need the program sanitized too.
san=$(ldd "$SV_BUILD/lib/libsvcore.so" | grep -c libasan >/dev/null && echo "-fsanitize=address,undefined" || true)
cc $san -o "$prog" "$src" -L"$SV_BUILD/lib" -Wl,-rpath,"$SV_BUILD/lib" -lxenctrl -lxengnttab -lxenevtchn \
    || fail "does not build against Debian's headers and our libraries"
out=$("$prog" 2>&1) || fail "dom0 run failed: $out"
grep -q "^dom0: 1 domains$" <<<"$out" || fail "dom0 run: $out"
pass "dom0: xc_domain_getinfolist through our libxenctrl"
out=$("$prog" evtchn 2>&1) || fail "event channel masking: $out"
pass "xenevtchn: a send fires once, sends while masked fire once at the unmask"
chmod 755 "$SPLITVISOR_RUNDIR" "$prog"
cat >"$SPLITVISOR_RUNDIR/app.cfg" <<CFG
name = "$t-app"
memory = 16
kernel = "$prog"
extra = "as-domain"
on_poweroff = "preserve"
CFG
"$BIN/xl" create "$SPLITVISOR_RUNDIR/app.cfg" >/dev/null
read -r r0 r1 port < <(wait_console 1 "^domain: shared ref [0-9]+ [0-9]+, port [0-9]+$" |
    sed 's/^domain: shared ref \([0-9]*\) \([0-9]*\), port \([0-9]*\)$/\1 \2 \3/')
pass "as a domain image: xengntshr_share_pages and xenevtchn_bind_unbound_port"
out=$("$prog" peer 1 "$r0" "$r1" "$port" 2>&1) || fail "dom0 as the peer: $out"
grep -q "^dom0: read hello$" <<<"$out" || fail "dom0 did not read the shared page: $out"
wait_console 1 "^domain: got copied by dom0$" >/dev/null
wait_console 1 "^domain: unshared$" >/dev/null
pass "dom0 maps (xengnttab_map_grant_refs), grant-copies, binds and notifies; the domain ends access after the unmap"
out=$("$prog" control 1 2>&1) || fail "dom0 control: $out"
[ "$(domain_state 1)" = "---s--" ] || fail "not shut down: $(domain_state 1)"
pass "xc_domain_getinfo, xc_domain_pause/unpause, xc_domain_shutdown"
