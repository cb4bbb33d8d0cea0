#!/usr/bin/env bash
# xenstore with real domains: xl create writes each domain's home as libxl
# does and introduces it; two domains rendezvous through xenstore (one
# publishes a grant ref and port readable by the other only, which maps and
# binds) with only Xen's library APIs; xl shutdown goes through
# control/shutdown for a domain that watches it; a domain the hypervisor
# reports dead fires @releaseDomain, and one destroyed without xl is
# released all the same; destroying a domain removes its nodes;
# Debian's xenstore-utils read it all.
source "$(dirname "$0")/lib.sh"
require_root
command -v xenstore-ls >/dev/null || skip "needs Debian's xenstore-utils"
sv_start
t=$SV_TEST_TAG
export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket

[ "$(xenstore-read /local/domain/0/name)" = Domain-0 ] || fail "no dom0 home"
[ "$(xenstore-read /local/domain/0/domid)" = 0 ] || fail "no dom0 domid"
a=$(sv_create "$t-xa" xsshare 2)
b=$(sv_create "$t-xb" xsmap "$a")
[ "$(xenstore-read "/local/domain/$a/name")" = "$t-xa" ] || fail "no name node"
[ "$(xenstore-read "/local/domain/$b/domid")" = "$b" ] || fail "no domid node"
vm=$(xenstore-read "/local/domain/$a/vm")
[ "$(xenstore-read "$vm/name")" = "$t-xa" ] || fail "no $vm"
xenstore-ls -p "/local/domain/$a" | grep -Eq "^control = \"\" .*\(n0,r$a\)$" \
    || fail "perms of control: $(xenstore-ls -p "/local/domain/$a")"
xenstore-ls -p "/local/domain/$a" | grep -Eq "^ shutdown = \"\" .*\(n$a\)$" \
    || fail "control/shutdown is not the domain's"
pass "xl create wrote the homes like libxl"

wait_console "$a" "^PUBLISHED ref="
wait_console "$b" "^FOUND ref="
wait_console "$b" "^READ hello from $t-xa$"
wait_console "$a" "^GOT pong from $t-xb$"
wait_console "$a" "^UNSHARE ok$"
pass "two domains rendezvous through xenstore with Xen's library APIs"

# A third domain may not read what was published for domain 2.
c=$(sv_create "$t-xc" xsmap "$a")
sleep 0.5
console_of "$c" | grep -q "^FOUND" && fail "domain $c read data meant for domain $b"
pass "permissions keep domain $a's data from domain $c"

p=$(sv_create "$t-pv" pvsleep)
wait_console "$p" "^PV SLEEPING$" >/dev/null
[ "$(xenstore-read "/local/domain/$p/control/feature-poweroff")" = 1 ] || fail "feature-poweroff"
"$BIN/xl" shutdown -w "$p" >/dev/null
wait_console "$p" "^PV POWEROFF$" >/dev/null
pass "xl shutdown through control/shutdown"

# No XS_RELEASE here: xenstored hears of the death through VIRQ_DOM_EXC.
k=$(sv_create "$t-xk" sleep)
wait_console "$k" "^SLEEPING$" >/dev/null
rel=$SPLITVISOR_RUNDIR/release.events
timeout 10 xenstore-watch -n 2 @releaseDomain >"$rel" &
wpid=$!
sv_on_exit "kill $wpid 2>/dev/null"
for _ in $(seq 100); do [ -s "$rel" ] && break; sleep 0.05; done
kill -9 "$(domain_pid "$t-xk")"
wait "$wpid" || fail "no @releaseDomain after domain $k died: $(cat "$rel")"
pass "@releaseDomain fires when the hypervisor reports a domain dead"
# Destroyed behind xl's back: xenstored releases it on its own (its
# connection goes, and with it the nodes it owns).
"$BIN/xl" destroy "$k"
g=$(sv_create "$t-xg" sleep)
wait_console "$g" "^SLEEPING$" >/dev/null
xenstore-exists "/local/domain/$g/data" || fail "no data node for domain $g"
"$TESTBIN/testdom" xc-destroy "$g"
for _ in $(seq 100); do xenstore-exists "/local/domain/$g/data" 2>/dev/null || break; sleep 0.05; done
xenstore-exists "/local/domain/$g/data" 2>/dev/null && fail "domain $g's nodes outlived it"
pass "a domain destroyed without xl is released by xenstored"
xenstore-rm "/local/domain/$g" # what libxl would remove

"$BIN/xl" destroy "$p"
xenstore-exists "/local/domain/$p" 2>/dev/null && fail "home of a destroyed domain left"
"$BIN/xl" destroy "$b"
"$BIN/xl" destroy "$c"
xenstore-exists "$vm" || fail "a live domain's /vm went"
"$BIN/xl" destroy "$a"
xenstore-exists "$vm" 2>/dev/null && fail "$vm left behind"
[ "$(xenstore-list /local/domain 2>/dev/null)" = 0 ] || fail "nodes left: $(xenstore-ls /local/domain)"
pass "destroy removes every node"
