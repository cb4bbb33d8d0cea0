#!/usr/bin/env bash
# vifs in xenstore as libxl writes them: xl create with vifs (backend named
# by domain), network-attach (exactly vif.c's keys) and -detach (by devid
# and by MAC), network-list, a refused attach leaving nothing; each side owns its directory and reads the
# other's (checked with Debian's xenstore-ls -p); an unknown
# backend domain fails the create and leaves nothing; destroy removes the
# backend directories too.
source "$(dirname "$0")/lib.sh"
require_root
command -v xenstore-ls >/dev/null || skip "needs Debian's xenstore-utils"
sv_start
t=$SV_TEST_TAG
rd=$SPLITVISOR_RUNDIR
export XENSTORED_PATH=$rd/xenstored/socket

be=$(sv_create "$t-be" sleep)
printf 'name = "%s"\nkernel = "%s"\nextra = "sleep"\nvif = [ "mac=00:16:3e:00:00:01,backend=%s,ip=10.9.0.2/24 fd00:9::2/64,bridge=br0" ]\n' \
    "$t-fe" "$TESTBIN/testdom" "$t-be" >"$rd/fe.cfg"
"$BIN/xl" create "$rd/fe.cfg" >/dev/null
fe=$("$BIN/xl" domid "$t-fe")
F=/local/domain/$fe/device/vif/0
B=/local/domain/$be/backend/vif/$fe/0
[ "$(xenstore-read "$F/backend")" = "$B" ] || fail "frontend backend path"
[ "$(xenstore-read "$F/backend-id")" = "$be" ] || fail "backend-id"
[ "$(xenstore-read "$F/mac")" = "00:16:3e:00:00:01" ] || fail "mac"
[ "$(xenstore-read "$B/frontend")" = "$F" ] || fail "backend frontend path"
# Several addresses: the "ip" key as libxl writes it, and each on the guest's eth0.
[ "$(xenstore-read "$B/ip")" = "10.9.0.2/24 fd00:9::2/64" ] || fail "ip: $(xenstore-read "$B/ip")"
addrs=$(ip -n "sv-$t-fe" -o addr show dev eth0)
grep -q "inet 10.9.0.2/24" <<<"$addrs" && grep -q "inet6 fd00:9::2/64" <<<"$addrs" \
    || fail "the guest's addresses: $addrs"
[ "$(xenstore-read "$B/state")" = 1 ] || fail "backend state"
[ "$(xenstore-read "/libxl/$fe/device/vif/0/backend")" = "$B" ] || fail "libxl dir"
xenstore-ls -p "$F" | grep -Eq '^state = "1" .*\(n'"$fe"',r'"$be"'\)$' || fail "frontend perms: $(xenstore-ls -p "$F")"
xenstore-ls -p "$B" | grep -Eq '^state = "1" .*\(n'"$be"',r'"$fe"'\)$' || fail "backend perms: $(xenstore-ls -p "$B")"
pass "create with a vif: frontend, backend and libxl directories with libxl's permissions"

"$BIN/xl" network-attach "$fe" "backend=$t-be,ip=10.9.1.2/24"
F1=/local/domain/$fe/device/vif/1
B1=/local/domain/$be/backend/vif/$fe/1
[ "$(xenstore-read "$B1/ip")" = "10.9.1.2/24" ] || fail "attach"
# Exactly the keys of vif.c's table, each side's owned by it and readable by the other.
keys() { xenstore-list "$1" | sort | tr '\n' ' '; }
[ "$(keys "$F1")" = "backend backend-id handle mac state " ] || fail "frontend keys: $(keys "$F1")"
[ "$(keys "$B1")" = "bridge frontend frontend-id handle ip mac multi-queue-num-queues online state type " ] ||
    fail "backend keys: $(keys "$B1")"
[ "$(keys "/libxl/$fe/device/vif/1")" = "backend frontend " ] || fail "libxl keys"
[ "$(xenstore-ls -p "$F1" | grep -c "(n$fe,r$be)\$")" = 5 ] || fail "attached frontend perms: $(xenstore-ls -p "$F1")"
[ "$(xenstore-ls -p "$B1" | grep -c "(n$be,r$fe)\$")" = 10 ] || fail "attached backend perms: $(xenstore-ls -p "$B1")"
"$BIN/xl" network-list "$fe" | grep -q "^1 " || fail "network-list: $("$BIN/xl" network-list "$fe")"
# The frontend directory is the guest's: what it writes there reaches dom0's
# terminal only as printable text, and does not move the vif's backend.
xenstore-write "$F1/mac" $'\e]0;owned\a\e[2J' "$F1/backend" "/local/domain/0" "$F1/backend-id" 0
list=$("$BIN/xl" network-list "$fe")
LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$list" && fail "network-list printed control bytes: $(cat -v <<<"$list")"
grep -q "^1  *$be .*?]0;owned??\[2J .*$B1" <<<"$list" || fail "network-list: $(cat -v <<<"$list")"
"$BIN/xl" top -i 1 2>&1 | LC_ALL=C grep -q $'\x1b\]0;owned' && fail "xl top printed the guest's escape"
pass "network-list shows guest-written keys as printable text, backend from the toolstack's directory"
"$BIN/xl" network-detach "$fe" 0
xenstore-exists "$F" 2>/dev/null && fail "detach left the frontend"
xenstore-exists "$B" 2>/dev/null && fail "detach left the backend"
"$BIN/xl" network-attach "$fe" "mac=00:16:3e:00:00:09,backend=$be" # by id, as xl takes it
"$BIN/xl" network-list "$fe" | grep -q "^2 .*00:16:3e:00:00:09" || fail "devid reused after detach"
[ "$(xenstore-read "/local/domain/$fe/device/vif/2/backend-id")" = "$be" ] || fail "backend given by id"
"$BIN/xl" network-detach "$fe" 00:16:3E:00:00:09
xenstore-exists "/local/domain/$fe/device/vif/2" 2>/dev/null && fail "detach by MAC left the frontend"
xenstore-exists "/libxl/$fe/device/vif/2" 2>/dev/null && fail "detach by MAC left the libxl dir"
"$BIN/xl" network-detach "$fe" 7 2>/dev/null && fail "detached a vif that does not exist"
# A refused attach leaves neither a veth nor xenstore nodes.
links=$(ip -n "sv-$t-fe" -o link show | awk '{print $2}')
vifs=$(xenstore-list "/libxl/$fe/device/vif" | tr '\n' ' ')
err=$("$BIN/xl" network-attach "$fe" "backend=nosuchdomain" 2>&1) && fail "attach to an unknown backend"
grep -q "unknown backend domain 'nosuchdomain'" <<<"$err" || fail "unclear error: $err"
[ "$(ip -n "sv-$t-fe" -o link show | awk '{print $2}')" = "$links" ] ||
    fail "a failed attach left a device: $(ip -n "sv-$t-fe" -o link show)"
[ "$(xenstore-list "/libxl/$fe/device/vif" | tr '\n' ' ')" = "$vifs" ] || fail "a failed attach left nodes"
[ "$(xenstore-list "/local/domain/$fe/device/vif" | tr '\n' ' ')" = "$vifs" ] || fail "a failed attach left a frontend"
pass "network-attach, network-list, network-detach"

homes=$(xenstore-list /local/domain | sort -n | tr '\n' ' ')
printf 'name = "%s"\nkernel = "%s"\nextra = "sleep"\nvif = [ "backend=nosuchdomain" ]\n' \
    "$t-orphan" "$TESTBIN/testdom" >"$rd/orphan.cfg"
err=$("$BIN/xl" create "$rd/orphan.cfg" 2>&1) && fail "unknown backend accepted"
grep -q "orphan.cfg:4: vif backend: vif 0: unknown backend domain 'nosuchdomain'" <<<"$err" ||
    fail "unclear error: $err"
"$BIN/xl" domid "$t-orphan" 2>/dev/null && fail "domain left behind"
[ -z "$(domain_pid "$t-orphan")" ] || fail "process left behind"
ip netns list | grep -q "^sv-$t-orphan" && fail "namespace left behind"
[ "$(xenstore-list /local/domain | sort -n | tr '\n' ' ')" = "$homes" ] || fail "nodes left: $(xenstore-list /local/domain)"
pass "an unknown backend domain fails the create, nothing left"

"$BIN/xl" destroy "$fe"
[ -z "$(xenstore-list "/local/domain/$be/backend/vif" 2>/dev/null)" ] || fail "backend dirs left after destroy"
xenstore-exists "/libxl/$fe" 2>/dev/null && fail "libxl dir left"
pass "destroy removes the vifs' backend directories"
