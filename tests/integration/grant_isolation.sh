#!/usr/bin/env bash
# What a domain must not be able to do with grants: write a read-only grant
# (the write faults, mprotect and a read-write reopen of the frame fd are
# refused), map a ref not granted to it (nor get anything but Xen's GNTST_*
# code from a bad map, unmap or copy), or have a false unmap believed.
# Killing a mapper that lied releases its mapping: its granter can then end
# access.  A handle unmapped twice in one batch is released once.
source "$(dirname "$0")/lib.sh"
require_root
sv_start
t=$SV_TEST_TAG
ref_of() { wait_console "$1" READY | sed 's/.*ref=\([0-9]*\).*/\1/'; }

# Domain 1 shares read-only with 2; domain 3 shares read-only with 4.
a=$(sv_create "$t-ro" share 2 ro)
b=$(sv_create "$t-rw" map-ro "$a" "$(ref_of "$a")")
wait_console "$b" "^MPROTECT denied"
wait_console "$b" "^WRITE FAULTED$"
c=$(sv_create "$t-ro2" share 4 ro)
d=$(sv_create "$t-reopen" reopen "$c" "$(ref_of "$c")")
[ "$d" = 4 ] || fail "expected domain 4, got $d"
wait_console "$d" "^REOPEN denied: Permission denied$"
pass "read-only grant: write faults, no mprotect, no read-write reopen"

# Domain 1's page was granted to domain 2 only.
e=$(sv_create "$t-other" map-bad "$a" "$(ref_of "$a")")
wait_console "$e" "^MAP refused"
pass "a ref granted to another domain does not map"
h=$(sv_create "$t-errs" gnt-errors "$a" "$(ref_of "$a")")
wait_console "$h" "^GNTST "
wait_console "$h" "^GNTST ok$" 1
pass "bad flags, refs, domains, handles and copies get Xen's GNTST_* codes"

# Domain 7 shares a writable page with 8, which lies about unmapping it.
f=$(sv_create "$t-g2" share-held 8)
g=$(sv_create "$t-liar" lie "$f" "$(ref_of "$f")")
[ "$g" = 8 ] || fail "expected the liar to be domain 8, got $g"
wait_console "$g" "^UNMAP refused while mapped"
wait_console "$f" "^UNSHARE busy while mapped$"
pass "an unmap of a page still mapped is not believed"

# Death of the mapper's process (not a destroy) is what releases it.
kill -9 "$(domain_pid "$t-liar")"
wait_console "$f" "^UNSHARE ok$"
[ "$(domain_state "$g")" = "----c-" ] || fail "the killed liar is not crashed: $(domain_state "$g")"
"$BIN/xl" destroy "$g"
[ -z "$(domain_state "$g")" ] || fail "domain $g still listed after destroy"
pass "killing the mapper lets the granter end access"

# A handle unmapped twice in one batch: the second is a bad handle, not a
# second release (which took the hypervisor down).
i=$(sv_create "$t-g3" share-held 10)
j=$(sv_create "$t-twice" unmap-twice "$i" "$(ref_of "$i")")
[ "$j" = 10 ] || fail "expected the mapper to be domain 10, got $j"
wait_console "$j" "^UNMAP twice: "
wait_console "$j" "^UNMAP twice: 0 -4$" 1
"$BIN/splitvisor" status >/dev/null || fail "the hypervisor did not survive a double unmap"
wait_console "$i" "^UNSHARE ok"
pass "a handle unmapped twice in one batch: GNTST_okay, then GNTST_bad_handle"

# A mapper that munmaps a page itself (libxenvchan does, as gntdev allows)
# and has other memory there by the time it closes its handle: the close
# leaves that memory alone, and the hypervisor believes the unmap.
k=$(sv_create "$t-g4" share-held $(($(sv_create "$t-pad" sleep) + 2)))
m=$(sv_create "$t-reuse" map-reuse "$k" "$(ref_of "$k")")
[ "$m" = $((k + 1)) ] || fail "expected the mapper to be domain $((k + 1)), got $m"
wait_console "$m" "^REUSE kept$"
wait_console "$k" "^UNSHARE ok"
pass "a handle's close unmaps no page its user unmapped and reused"

# A share moved to another grantee (a guest following a standby driver
# domain: xengntshr_share_move): refused while the first grantee maps the
# page, then the new grantee maps it, and nobody else can.
q=$(sv_create "$t-pad2" sleep)
r=$(sv_create "$t-mover" share-move $((q + 2)) $((q + 3)))
u=$(sv_create "$t-liar2" lie "$r" "$(ref_of "$r")")
[ "$u" = $((q + 2)) ] || fail "expected the first grantee to be domain $((q + 2)), got $u"
wait_console "$u" "^UNMAP refused while mapped"
wait_console "$r" "^MOVE busy while mapped$"
kill -9 "$(domain_pid "$t-liar2")"
wait_console "$r" "^MOVE ok$"
w=$(sv_create "$t-newgrantee" lie "$r" "$(ref_of "$r")")
[ "$w" = $((q + 3)) ] || fail "expected the new grantee to be domain $((q + 3)), got $w"
wait_console "$w" "^UNMAP refused while mapped"
x=$(sv_create "$t-other2" map-bad "$r" "$(ref_of "$r")")
wait_console "$x" "^MAP refused"
pass "a share moves to another grantee only once unmapped, and maps there alone"
