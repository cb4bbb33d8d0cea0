#!/usr/bin/env bash
# Two domains share a page through a grant and signal each other through an
# event channel, using only Xen's library APIs; the granter cannot end access
# while the page is mapped, and can once it is unmapped.  Shares end with
# the xengntshr handle that made them.
source "$(dirname "$0")/lib.sh"
require_root
sv_start

a=$(sv_create "$SV_TEST_TAG-a" share 2)
wait_console "$a" "READY" >/dev/null
read -r ref port < <(console_of "$a" | sed -n 's/^READY ref=\([0-9]*\) port=\([0-9]*\)/\1 \2/p')
b=$(sv_create "$SV_TEST_TAG-b" map "$a" "$ref" "$port")
[ "$b" = 2 ] || fail "expected the mapper to be domain 2, got $b"

wait_console "$b" "^READ hello from $SV_TEST_TAG-a$"
wait_console "$a" "^GOT pong from $SV_TEST_TAG-b$"
wait_console "$a" "^UNSHARE busy while mapped$"
wait_console "$b" "^DONE$"
wait_console "$a" "^UNSHARE ok$"
pass "grant shared, mapped, written both ways; end of access refused while mapped"

# Closing the handle ends its shares (Linux's gntalloc does on release): a
# peer cannot map them afterwards.  They used to outlive it, valid until
# the granter died.
c=$(sv_create "$SV_TEST_TAG-c" share-close 4)
wait_console "$c" "^CLOSED$" >/dev/null
ref=$(console_of "$c" | sed -n 's/^READY ref=\([0-9]*\)$/\1/p')
d=$(sv_create "$SV_TEST_TAG-d" map-bad "$c" "$ref")
[ "$d" = 4 ] || fail "expected the would-be mapper to be domain 4, got $d"
line=$(wait_console "$d" "^MAP refused") || fail "a share outlived its handle: $(console_of "$d")"
pass "shares end with the xengntshr handle: $line"
