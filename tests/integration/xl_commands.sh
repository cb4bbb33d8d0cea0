#!/usr/bin/env bash
# xl beyond the lifecycle: bad descriptions fail with file, line and key and
# leave nothing behind; list -l and dumpxml give back the description (the
# XML round trip creates the same domain again); exec runs in the domain's
# namespace; uptime, info, help, domid/domname.
source "$(dirname "$0")/lib.sh"
require_root
sv_use_installed
sv_start
t=$SV_TEST_TAG
rd=$SPLITVISOR_RUNDIR

# A syntax error names file, line and key; nothing is created.
printf 'name = "%s-bad"\nmemory = "lots"\nkernel = "%s"\n' "$t" "$TESTBIN/testdom" >"$rd/bad.cfg"
err=$("$BIN/xl" create "$rd/bad.cfg" 2>&1) && fail "bad memory accepted"
grep -q "bad.cfg:2: memory:" <<<"$err" || fail "error does not name file:line: key: $err"
# A kernel that cannot run, and memory the host does not have.
printf 'name = "%s-nokernel"\nkernel = "/nonexistent/image"\n' "$t" >"$rd/nokernel.cfg"
err=$("$BIN/xl" create "$rd/nokernel.cfg" 2>&1) && fail "missing kernel accepted"
grep -q "nokernel.cfg:2: kernel: cannot run '/nonexistent/image'" <<<"$err" ||
    fail "error does not name file:line: key: $err"
printf 'name = "%s-huge"\nmemory = 1000000\nkernel = "%s"\n' "$t" "$TESTBIN/testdom" >"$rd/huge.cfg"
err=$("$BIN/xl" create "$rd/huge.cfg" 2>&1) && fail "memory beyond the host accepted"
grep -q "huge.cfg:2: memory: .* more than the host has" <<<"$err" || fail "unclear error: $err"
[ "$("$BIN/xl" list | wc -l)" = 2 ] || fail "a failed create left a domain: $("$BIN/xl" list)"
ip netns list | grep -q "^sv-$t" && fail "a failed create left a namespace"
pgrep -f "^$t-" >/dev/null && fail "a failed create left a process: $(pgrep -af "^$t-")"
[ -z "$(ls "$rd/userdata" 2>/dev/null)" ] || fail "a failed create left a description"
pass "bad descriptions: clear errors, nothing left behind"

# A duplicate name is refused and the first domain is untouched.
d=$(sv_create "$t-one" sleep)
err=$("$BIN/xl" create "$(sv_cfg "$t-one" sleep)" 2>&1) && fail "duplicate name accepted"
grep -q "already exists" <<<"$err" || fail "unclear error: $err"
wait_console "$d" SLEEPING >/dev/null
pass "duplicate names refused"

"$BIN/xl" list -l | grep -q "\"name\": \"$t-one\"" || fail "list -l: $("$BIN/xl" list -l)"
"$BIN/xl" dumpxml "$t-one" >"$rd/one.xml"
"$BIN/xl" destroy "$t-one"
[ -e "$rd/userdata/$d.xml" ] && fail "userdata left after destroy"
"$BIN/xl" create "$rd/one.xml" >/dev/null
d2=$("$BIN/xl" domid "$t-one")
wait_console "$d2" SLEEPING >/dev/null
"$BIN/xl" dumpxml "$d2" | diff - "$rd/one.xml" || fail "XML round trip changed the description"
pass "list -l and dumpxml; the XML round trip recreates the same domain"

# libxml2 brings ICU and libstdc++: only reading XML loads it, in a library
# of its own (what every other command saves is in docs/benchmarks.md).
loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -o 'file=lib[a-z0-9]*' | sort -u; }
libs=$(loaded "$BIN/xl" list)
grep -qx 'file=libsvl' <<<"$libs" || fail "LD_DEBUG shows no libraries: $libs"
grep -q 'file=libxml2\|file=libsvconfigxml' <<<"$libs" && fail "xl list loads libxml2: $libs"
grep -qx 'file=libxml2' <<<"$(loaded "$TESTBIN/config-dump" "$rd/one.xml")" ||
    fail "reading XML does not load libxml2"
pass "xl loads libxml2 only to read XML"

[ "$("$BIN/xl" exec "$t-one" -- readlink /proc/self/ns/net)" = \
  "$(ip netns exec "sv-$t-one" readlink /proc/self/ns/net)" ] || fail "exec is not in the namespace"
"$BIN/xl" uptime "$t-one" | grep -q "^$t-one " || fail "uptime"
[ "$("$BIN/xl" domname "$d2")" = "$t-one" ] || fail "domname"
"$BIN/xl" info | grep -q "^nr_cpus" || fail "info"
"$BIN/xl" top -b -i 1 | grep -q "^$t-one " || fail "top: $("$BIN/xl" top -b -i 1)"
"$BIN/xl" help | grep -q "^ create" || fail "help"
"$BIN/xl" create --help 2>&1 | grep -q "usage: xl create" || fail "create --help"
"$BIN/xl" frobnicate 2>/dev/null && fail "unknown command accepted"
"$BIN/xl" help frobnicate 2>/dev/null && fail "help of an unknown command succeeded"
"$BIN/xl" help reboot | grep -q "^ reboot .*-w" || fail "help reboot"
for cmd in "list" "list -l" "uptime"; do
    err=$("$BIN/xl" $cmd "$t-one" nosuch 2>&1) && fail "xl $cmd of an unknown domain succeeded"
    grep -q "no domain 'nosuch'" <<<"$err" || fail "xl $cmd: unclear error: $err"
done
# A number past the domain ids is no domain (cut to 16 bits it would be dom1).
err=$("$BIN/xl" list 65537 2>&1) && fail "xl list 65537 succeeded: $err"
grep -q "no domain '65537'" <<<"$err" || fail "xl list 65537: unclear error: $err"
long=$(printf 'n%.0s' $(seq 100))
err=$("$BIN/xl" list "$long" 2>&1) && fail "xl list of a 100-character name succeeded"
grep -q "no domain '$long'" <<<"$err" || fail "xl list of a too long name: unclear error: $err"
pass "exec, uptime, top, domname, info, help; unknown domains and commands fail"

# What follows "--" is the program's: its -h is not xl's.
[ "$("$BIN/xl" exec "$t-one" -- echo -h)" = "-h" ] || fail "xl exec took the program's -h"
[ "$("$BIN/xl" exec "$t-one" -- printf '%s\n' --help)" = "--help" ] || fail "xl exec took the program's --help"
[ "$("$BIN/xl" exec "$t-one" echo -h)" = "-h" ] || fail "xl exec without -- took the program's -h"
# A program that is not there: sh's 127 and a message, not a crash.
err=$("$BIN/xl" exec "$t-one" -- /nonexistent/prog 2>&1) && fail "exec of a missing program succeeded"
rc=$("$BIN/xl" exec "$t-one" -- /nonexistent/prog >/dev/null 2>&1; echo $?)
[ "$rc" = 127 ] || fail "exec of a missing program: exit $rc ($err)"
grep -q "/nonexistent/prog: No such file or directory" <<<"$err" || fail "exec: unclear error: $err"
# Domain ids are digits below the reserved ones; an empty name is no domain.
for id in 4294967297 65536 " 1" "+1" "-1" ""; do
    err=$("$BIN/xl" domname "$id" 2>&1) && fail "xl domname '$id' answered: $err"
    grep -Eq "is not a domain id|unknown option '-1'" <<<"$err" ||
        fail "xl domname '$id': unclear error: $err"
done
err=$("$BIN/xl" domid "" 2>&1) && fail "xl domid '' answered: $err"
grep -q "no domain ''" <<<"$err" || fail "xl domid '': unclear error: $err"
err=$("$BIN/xl" list "" 2>&1) && fail "xl list '' listed: $err"
# xentop's options: -i ITERATIONS, -d SECONDS, -b, -n (networks: always shown).
[ "$("$BIN/xl" top -b -n -i 2 -d 1 | grep -c "^NAME ")" = 2 ] || fail "top -b -n -i 2 -d 1"
# Xen 4.17's -n is --networks: -n x and -n -5 (iterations, once: rc 0 with
# nothing printed, or no end) are usage errors.
for bad in "-i x" "-i -5" "-i 0" "-d 0" "-i" "-n x" "-n -5"; do
    rc=0
    err=$(timeout 5 "$BIN/xl" top -b $bad 2>&1) || rc=$?
    [ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "xl top $bad: exit $rc: $err"
    [ -n "$err" ] || fail "xl top $bad said nothing"
done
pass "exec leaves the program its options; strict domain ids; xentop's options"

# One name limit: 63 characters are a domain (and its namespace), 64 are
# refused by the parser naming the line.
long=$t-$(printf 'n%.0s' $(seq 63))
long=${long:0:63}
"$BIN/xl" create "$(sv_cfg "$long" sleep)" >/dev/null || fail "a 63-character name was refused"
[ "$("$BIN/xl" domname "$("$BIN/xl" domid "$long")")" = "$long" ] || fail "63-character domain"
ip netns list | grep -q "^sv-$long" || fail "no namespace for the 63-character domain"
"$BIN/xl" destroy "$long"
err=$("$BIN/xl" create "$(sv_cfg "${long}x" sleep)" 2>&1) && fail "a 64-character name was taken"
grep -q "cfg:1: name: domain name '${long}x' longer than 63 characters" <<<"$err" ||
    fail "64-character name: unclear error: $err"
pass "domain names of up to 63 characters, one limit"

# What xl exec starts ends with the domain, daemons too (they are in its
# cgroups): on destroy, and when the domain shuts down by itself.
dead() { local s; s=$(ps -o stat= -p "$1" || true); [ -z "$s" ] || [ "${s:0:1}" = Z ]; }
for how in destroy shutdown; do
    d=$(sv_create "$t-ex" sleep)
    wait_console "$d" SLEEPING >/dev/null
    "$BIN/xl" exec "$t-ex" -- iperf3 -s -D --pidfile "$rd/iperf.pid"
    for ((i = 0; i < 40; i++)); do [ -s "$rd/iperf.pid" ] && break; sleep 0.05; done
    pid=$(cat "$rd/iperf.pid")
    dead "$pid" && fail "iperf3 -D did not start"
    grep -q "pids:/.*sv-$t-ex\.$d$" "/proc/$pid/cgroup" || grep -q "^0::/.*sv-$t-ex\.$d$" "/proc/$pid/cgroup" ||
        fail "iperf3 is not in the domain's cgroup: $(cat "/proc/$pid/cgroup")"
    "$BIN/xl" $how "$t-ex"
    for ((i = 0; i < 40; i++)); do dead "$pid" && break; sleep 0.05; done
    dead "$pid" || fail "iperf3 -D outlived its domain's $how"
    [ "$how" = shutdown ] && "$BIN/xl" destroy "$t-ex"
    rm -f "$rd/iperf.pid"
    find /sys/fs/cgroup -maxdepth 5 -type d -name "sv-$t-ex.$d" | grep -q . &&
        fail "the domain's cgroup outlived it"
done
pass "programs xl exec started (iperf3 -D) end with their domain"

# A guest that dies as it starts is not created (nor crash-looped by its
# monitor): the error shows the end of its console.
printf 'name = "%s-dies"\nmemory = 16\nkernel = "%s"\nextra = "nosuchmode"\non_crash = "restart"\n' \
    "$t" "$TESTBIN/testdom" >"$rd/dies.cfg"
rc=0; err=$("$BIN/xl" create "$rd/dies.cfg" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "a guest that crashed at once: exit $rc: $err"
grep -q "$t-dies: crashed as it started: not created" <<<"$err" || fail "unclear: $err"
grep -q "^testdom: unknown mode 'nosuchmode'" <<<"$err" || fail "no console tail: $err"
sleep 0.5
"$BIN/xl" domid "$t-dies" >/dev/null 2>&1 && fail "the crashed guest is listed (restarted?)"
pgrep -f "^$t-dies" >/dev/null && fail "the crashed guest runs again"
# With on_crash=preserve it is kept as asked, crashed, and said.
rc=0; err=$("$BIN/xl" create "$(sv_cfg "$t-kept" nosuchmode)" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 0 ] || fail "on_crash=preserve: exit $rc: $err"
grep -q "warning: $t-kept crashed as it started (kept, as on_crash says)" <<<"$err" &&
    grep -q "^testdom: unknown mode 'nosuchmode'" <<<"$err" || fail "preserve: unclear: $err"
[ "$(domain_state "$("$BIN/xl" domid "$t-kept")")" = "----c-" ] || fail "not kept crashed"
pass "a guest that crashes at once fails create with its console's tail (or is kept)"

# Created once it is up (its first hypercall), not after a fixed wait: a
# guest slow to come up is created, up; one that crashes later but before it
# is up is not created; one that crashes once up is its monitor's (created).
printf 'name = "%s-slow"\nmemory = 16\nkernel = "%s"\nextra = "slow-up 400"\n' \
    "$t" "$TESTBIN/testdom" >"$rd/slow.cfg"
"$BIN/xl" create -q "$rd/slow.cfg" || fail "a guest slow to come up was not created"
id=$("$BIN/xl" domid "$t-slow")
"$BIN/xl" dmesg | grep -q "domain $id ($t-slow) up" || fail "created before it was up"
[[ "$(domain_state "$id")" =~ ^[r-][b-]----$ ]] || fail "the slow guest is not running"
printf 'name = "%s-late"\nmemory = 16\nkernel = "%s"\nextra = "slow-crash 500"\n' \
    "$t" "$TESTBIN/testdom" >"$rd/late.cfg"
rc=0; err=$("$BIN/xl" create "$rd/late.cfg" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "a guest that crashed before it was up: exit $rc: $err"
grep -q "$t-late: crashed as it started: not created" <<<"$err" &&
    grep -q "^CRASHING" <<<"$err" || fail "late crash: unclear: $err"
"$BIN/xl" domid "$t-late" >/dev/null 2>&1 && fail "the guest that crashed late is listed"
rc=0; err=$("$BIN/xl" create "$(sv_cfg "$t-upcrash" up-crash)" 2>&1) || rc=$?
[ "$rc" = 0 ] || fail "a guest that crashed once up failed create: $err"
pass "xl create returns once the guest is up; a crash before that is not created"
