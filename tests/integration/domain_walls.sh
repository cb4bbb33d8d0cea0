#!/usr/bin/env bash
# A domain cannot use a dom0 operation, read another domain's memory through
# /proc, ptrace it, or fork; it runs under its own uid (from a range its
# instance holds alone) in its own namespaces, not dumpable even after exec,
# and sees no host run directory or other domain's /proc; it has no way to
# hold an fd outside its /proc/PID/fd (a thread with its own fd table, an
# AF_UNIX socket with fds in flight, a pipe or skb holding page references);
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

# (A process that is not dumpable has its /proc/PID owned by root.)
uid=$(awk '/^Uid:/ {print $2}' "/proc/$vpid/status")
[ "$uid" != 0 ] || fail "the domain runs as root"
ip netns list | grep -q "^sv-$t-victim" || fail "no network namespace sv-$t-victim"
[ "$(readlink "/proc/$vpid/ns/net")" = "$(ip netns exec "sv-$t-victim" readlink /proc/self/ns/net)" ] \
    || fail "the domain is not in its namespace"
grep -q "^Seccomp:[[:space:]]*2" "/proc/$vpid/status" || fail "no seccomp filter"
pass "own uid ($uid), own netns, seccomp filter"

# The run directory is root's alone (domains have their libraries bound in).
[ "$(stat -c %a "$SPLITVISOR_RUNDIR")" = 700 ] \
    || fail "the run directory is mode $(stat -c %a "$SPLITVISOR_RUNDIR")"

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

# Not dumpable after exec (the exec-only image copy), and it stays so: prctl
# and a second exec are refused.  Its root shows no run directory, no /run
# (sockets) and no other domain in /proc.
w=$(sv_create "$t-walls" walls "$SPLITVISOR_RUNDIR" "$vpid")
wait_console "$w" "^DUMPABLE [02]$" >/dev/null # (2: fs.suid_dumpable=2)
wait_console "$w" "^SET_DUMPABLE Operation not permitted$" >/dev/null
for what in RUNDIR HOSTRUN PEERPROC; do
    wait_console "$w" "^$what No such file or directory$" >/dev/null
done
wait_console "$w" "^EXEC Function not implemented$" >/dev/null
wait_console "$w" "^SLEEPING$" >/dev/null
pass "not dumpable after exec, no way back (prctl, exec); no run directory, /run or other domain's /proc"

# The wall that was missing: a process of the domain's own uid (what a
# colliding instance's domain would be) opened /proc/PID/mem of a dumpable one.
wpid=$(domain_pid "$t-walls")
wuid=$(awk '/^Uid:/ {print $2}' "/proc/$wpid/status")
setpriv --reuid="$wuid" --regid="$wuid" --clear-groups sh -c "exec 3<'/proc/$wpid/mem'" \
    2>/dev/null && fail "a process of uid $wuid opened the domain's /proc/$wpid/mem"
pass "a process of the domain's own uid cannot open its /proc/PID/mem"

# Each instance holds its own uid range (an flock under /run/splitvisor-uids
# for its lifetime): a second one started beside it gets another.
uid_base() { sed -n 's/.*domains run as uids \([0-9]*\) + domid.*/\1/p' "$1/splitvisor.log"; }
base1=$(uid_base "$SPLITVISOR_RUNDIR")
[ -n "$base1" ] && [ $((wuid - base1)) -eq "$w" ] || fail "domain $w runs as $wuid, not in its range $base1"
flock -n "/run/splitvisor-uids/$(((base1 - 100000000) / 65536))" true \
    && fail "the uid range $base1 is not locked"
r2=$(mktemp -d /tmp/sv-test.XXXXXX)
sv_on_exit "SPLITVISOR_RUNDIR=$r2 '$BIN/splitvisor' stop >/dev/null 2>&1; rm -rf '$r2'"
SPLITVISOR_RUNDIR=$r2 "$BIN/splitvisor" start --no-nic >/dev/null
base2=$(uid_base "$r2")
[ -n "$base2" ] && [ "$base2" != "$base1" ] || fail "two instances share the uid range $base1"
pass "two instances side by side hold disjoint uid ranges ($base1, $base2)"

# What the hypervisor's unmap check reads (/proc/PID/fd, maps) must be every
# fd and frame page the domain holds: no thread with its own fd table, no
# AF_UNIX socket to park fds in flight on, no pipe (splice, sendfile, tee)
# or zero-copy send holding page references.  libxenstore inside a domain still works (xenstore_domains).
f=$(sv_create "$t-fds" fd-hiding)
for what in CLONE_NOFILES SOCKETPAIR UNIX_SOCKET SPLICE SENDFILE TEE ZEROCOPY; do
    wait_console "$f" "^$what Operation not permitted$" >/dev/null
done
pass "no thread without CLONE_FILES, no AF_UNIX socket, no page reference in a pipe or skb"
