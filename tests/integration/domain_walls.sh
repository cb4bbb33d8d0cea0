#!/usr/bin/env bash
# A domain cannot use a dom0 operation, read another domain's memory through
# /proc, ptrace it, or fork; it runs under its own uid in its own namespace;
# a domain that closed its xenstore port gets no stale descriptors; a domain
# cannot open hypercall channels (fds of the hypervisor's) without bound; the
# control socket refuses a non-root process.
source "$(dirname "$0")/lib.sh"
require_root
sv_start
t=$SV_TEST_TAG

victim=$(sv_create "$t-victim" sleep)
wait_console "$victim" SLEEPING >/dev/null
vpid=$(domain_pid "$t-victim")
[ -n "$vpid" ] || fail "victim process not found"
h=$(sv_create "$t-hostile" hostile "$vpid")
wait_console "$h" "^DOM0OP denied: Operation not permitted$"
wait_console "$h" "^PEEK denied"
wait_console "$h" "^PTRACE denied"
wait_console "$h" "^FORK denied"
pass "dom0 ops, /proc/PID/mem, ptrace and fork refused"

c=$(sv_create "$t-channels" channels)
wait_console "$c" "^CHANNELS [0-9]+: Too many open files$" >/dev/null
n=$(console_of "$c" | grep -Eo "^CHANNELS [0-9]+" | cut -d' ' -f2)
[ "$n" -lt 64 ] || fail "a domain opened $n hypercall channels"
w=$(sv_create "$t-after" sleep)
wait_console "$w" SLEEPING >/dev/null
# Its fd limit is as high as it may raise it (fs.nr_open where it may raise
# its hard limit, the hard limit where it may not).
read -r soft hard < <(awk '/^Max open files/ {print $4, $5}' \
    "/proc/$(cat "$SPLITVISOR_RUNDIR/splitvisor.pid")/limits")
[ "$soft" = "$hard" ] || fail "the hypervisor may open $soft files of $hard"
pass "a domain's hypercall channels are capped ($n more than its first), others unaffected"

s=$(sv_create "$t-storeclose" store-close)
wait_console "$s" "^START INFO refused: No such file or directory$"
pass "no stale descriptors for a domain that closed its xenstore port"

uid=$(stat -c %u "/proc/$vpid")
[ "$uid" != 0 ] || fail "the domain runs as root"
ip netns list | grep -q "^sv-$t-victim" || fail "no network namespace sv-$t-victim"
[ "$(readlink "/proc/$vpid/ns/net")" = "$(ip netns exec "sv-$t-victim" readlink /proc/self/ns/net)" ] \
    || fail "the domain is not in its namespace"
grep -q "^Seccomp:[[:space:]]*2" "/proc/$vpid/status" || fail "no seccomp filter"
pass "own uid ($uid), own netns, seccomp filter"

# The control socket is dom0's alone: a non-root process is refused even when
# the socket's mode would let it connect (the SO_PEERCRED check).
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nobody "$BIN/xl" list >/dev/null 2>&1 && fail "a non-root process used the control socket"
chmod 755 "$SPLITVISOR_RUNDIR"
chmod 666 "$SPLITVISOR_RUNDIR/control.sock"
nobody "$BIN/xl" list >/dev/null 2>&1 && fail "a non-root process got past SO_PEERCRED"
grep -q "control socket: refused uid 65534" "$SPLITVISOR_RUNDIR/splitvisor.log" \
    || fail "the refusal is not in the hypervisor log"
"$BIN/xl" list >/dev/null || fail "root lost the control socket"
pass "the control socket refuses non-root processes"
