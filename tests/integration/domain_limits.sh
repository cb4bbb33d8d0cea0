#!/usr/bin/env bash
# A domain lives within its limits: memory (its RAM and a stated overhead, in
# a cgroup of its own), tasks (threads), its CPU weight, descriptors, no core
# file.  One that
# allocates far past its memory is killed and recorded as crashed while the
# others run on, and its cgroups go with it.
source "$(dirname "$0")/lib.sh"
require_root
sv_start
t=$SV_TEST_TAG

# The directory of PID's cgroup for CONTROLLER: its v1 hierarchy, else the
# unified one (mounted where hosts mount them).
cg_dir() {
    local path
    path=$(awk -F: -v c="$2" '$2 ~ "(^|,)" c "(,|$)" {print $3}' "/proc/$1/cgroup")
    if [ -n "$path" ]; then
        echo "/sys/fs/cgroup/$2$path"
    else
        echo "/sys/fs/cgroup$(awk -F: '$1 == 0 {print $3}' "/proc/$1/cgroup")"
    fi
}
# memory.limit_in_bytes (v1) or memory.max (v2).
mem_limit() { cat "$1/memory.limit_in_bytes" 2>/dev/null || cat "$1/memory.max"; }

v=$(sv_create "$t-victim" sleep)
wait_console "$v" SLEEPING >/dev/null
vpid=$(domain_pid "$t-victim")
mem=$(cg_dir "$vpid" memory)
pids=$(cg_dir "$vpid" pids)
vid=$("$BIN/xl" domid "$t-victim")
[ "$(basename "$mem")" = "sv-$t-victim.$vid" ] && [ "$(basename "$pids")" = "sv-$t-victim.$vid" ] \
    || fail "the domain is not in cgroups of its own: $mem, $pids"
# memory = 16 (MiB) and the 64 MiB overhead.
[ "$(mem_limit "$mem")" = $(((16 + 64) << 20)) ] || fail "memory limit $(mem_limit "$mem")"
[ "$(cat "$pids/pids.max")" = 64 ] || fail "pids.max $(cat "$pids/pids.max")"
used=$("$BIN/xl" list -l "$v" | sed -n 's/.*"used_memory_kb": \([0-9]*\).*/\1/p')
[ -n "$used" ] && [ "$used" -gt 0 ] && [ "$used" -lt $(((16 + 64) << 10)) ] \
    || fail "xl list -l: used memory '$used' kB"
pass "cgroups of its own: memory $(($(mem_limit "$mem") >> 20)) MiB, 64 tasks; xl list -l: $used kB used"

# CPU: the default weight (Xen's 256, cpu.shares 1024), or the description's.
cpu_share() { cat "$1/cpu.shares" 2>/dev/null || cat "$1/cpu.weight"; }
cfg=$(sv_cfg "$t-weighted" sleep)
echo "cpu_weight = 512" >>"$cfg"
"$BIN/xl" create "$cfg" >/dev/null
wpid=$(domain_pid "$t-weighted")
[ "$(basename "$(cg_dir "$wpid" cpu)")" = "sv-$t-weighted.$("$BIN/xl" domid "$t-weighted")" ] \
    || fail "no cpu cgroup of its own"
[ "$(cpu_share "$(cg_dir "$vpid" cpu)")" = "$(cpu_share "$(dirname "$(cg_dir "$vpid" cpu)")")" ] \
    || fail "the default weight is not the default"
[ "$(cpu_share "$(cg_dir "$wpid" cpu)")" = 2048 ] \
    || fail "cpu_weight = 512 gave $(cpu_share "$(cg_dir "$wpid" cpu)")"
pass "CPU: the default weight, cpu_weight = 512 -> cpu.shares 2048"

l=$(sv_create "$t-limits" limits)
wait_console "$l" "^NOFILE 1024 1024$" >/dev/null
wait_console "$l" "^CORE 0 0$" >/dev/null
line=$(wait_console "$l" "^THREADS ")
n=$(cut -d' ' -f2 <<<"$line" | tr -d :)
[ "$n" -lt 64 ] && grep -q "Resource temporarily unavailable" <<<"$line" \
    || fail "a thread bomb: $line"
pass "1024 descriptors, no core file, a thread bomb stops at $n threads"

# Paused until its cgroup is known: it may die before xl create returns.
"$BIN/xl" create -p "$(sv_cfg "$t-hog" hog 1024)" >/dev/null
h=$("$BIN/xl" domid "$t-hog")
hpid=$(sed -n "s/.*domain $h ($t-hog) created, paused, pid \([0-9]*\)$/\1/p" \
    "$SPLITVISOR_RUNDIR/splitvisor.log")
hmem=$(cg_dir "$hpid" memory)
"$BIN/xl" unpause "$h"
for _ in $(seq 100); do [ "$(domain_state "$h")" = "----c-" ] && break; sleep 0.1; done
[ "$(domain_state "$h")" = "----c-" ] || fail "the hog is $(domain_state "$h"): $(console_of "$h" | tail -1)"
console_of "$h" | grep -q "HOG DONE" && fail "the hog got 1 GiB"
grep -q "domain $h ($t-hog) crashed: signal 9" "$SPLITVISOR_RUNDIR/splitvisor.log" \
    || fail "the kill is not recorded"
[ -d "$hmem" ] && fail "its cgroup $hmem outlived it"
kill -0 "$vpid" && [ "$(domain_state "$v")" != "----c-" ] || fail "the victim died too"
got=$(console_of "$h" | grep "^HOG" | tail -1)
"$BIN/xl" destroy "$h"
pass "a domain allocating past its memory is killed (last: '$got'), recorded as crashed, the others run on"

# A task that does not die at once when its domain does (frozen here; one
# freeing much memory, or in an uninterruptible sleep, is the same) keeps
# the domain's cgroups busy.  The hypervisor kills it and looks again
# later; dom0's xl is served meanwhile.  Emptying them on the loop, 5 ms
# apart for up to a second each (three cgroups), held xl 3 s.  On this
# shared machine one xl list alone took up to 1.3 s, so what is compared
# is 12 of them in a row with no domain dying and while one dies.
lists_ms() { # DOMAIN -> how long 12 xl list DOMAIN took, in ms
    local start
    start=$(date +%s%N)
    for _ in $(seq 12); do "$BIN/xl" list "$1" >/dev/null; done
    echo $((($(date +%s%N) - start) / 1000000))
}
frz=/sys/fs/cgroup/freezer/sv-$t-frz
if [ -d /sys/fs/cgroup/freezer ] && mkdir "$frz"; then
    sv_on_exit "echo THAWED >$frz/freezer.state; sleep 0.2; rmdir $frz"
    sv_create "$t-linger" sleep >/dev/null
    sv_create "$t-other" sleep >/dev/null
    "$BIN/xl" exec "$t-linger" -- sh -c "sleep 1000 >/dev/null 2>&1 & echo \$! >$SPLITVISOR_RUNDIR/linger.pid"
    lpid=$(cat "$SPLITVISOR_RUNDIR/linger.pid")
    echo "$lpid" >"$frz/cgroup.procs"
    echo FROZEN >"$frz/freezer.state"
    lmem=$(cg_dir "$lpid" memory)
    [ "$(basename "$lmem")" = "sv-$t-linger.$("$BIN/xl" domid "$t-linger")" ] ||
        fail "the lingering task is in $lmem"
    base=$(lists_ms "$t-other")
    "$BIN/xl" destroy "$t-linger" &
    dpid=$!
    during=$(lists_ms "$t-other")
    wait $dpid || fail "xl destroy of the lingering domain failed"
    [ -d "$lmem" ] || fail "its cgroup went while a task of it lives on"
    [ $((during - base)) -lt 2000 ] ||
        fail "12 xl list took $during ms while a dead domain's cgroup emptied, $base ms before"
    # Its name is free at once, again and again, each incarnation in
    # cgroups of its own, and each leaves a frozen task behind in them.
    # With one cgroup per name the dead one's was busy: the new domain ran
    # with no cgroup (no memory or task limit) and its programs outlived it.
    for i in 1 2 3; do
        "$BIN/xl" create "$(sv_cfg "$t-linger" sleep)" >/dev/null ||
            fail "create $i of $t-linger after a destroy (its dead cgroup busy) failed"
        "$BIN/xl" exec "$t-linger" -- sh -c "sleep 1000 >/dev/null 2>&1 & echo \$! >$SPLITVISOR_RUNDIR/linger.pid"
        lpid=$(cat "$SPLITVISOR_RUNDIR/linger.pid")
        sv_on_exit "kill $lpid 2>/dev/null || true"
        echo "$lpid" >"$frz/cgroup.procs"
        for c in memory pids; do
            [ "$(basename "$(cg_dir "$lpid" $c)")" = "sv-$t-linger.$("$BIN/xl" domid "$t-linger")" ] ||
                fail "incarnation $i of $t-linger is not in a $c cgroup of its own: $(cg_dir "$lpid" $c)"
        done
        "$BIN/xl" destroy "$t-linger" || fail "destroy $i of $t-linger failed"
    done
    sv_on_exit "sleep 0.2; rmdir $frz 2>/dev/null || true" # after the kills on failure
    left=$(find /sys/fs/cgroup/memory -maxdepth 5 -type d -name "sv-$t-linger.*" | wc -l)
    [ "$left" -ge 2 ] || fail "only $left cgroups of $t-linger linger: the loop tested nothing"
    echo THAWED >"$frz/freezer.state"
    for ((i = 0; i < 40; i++)); do [ -d "$lmem" ] || break; sleep 0.1; done
    [ -d "$lmem" ] && fail "its cgroup $lmem outlived the lingering task"
    for ((i = 0; i < 40; i++)); do
        find /sys/fs/cgroup -maxdepth 5 -type d -name "sv-$t-linger.*" | grep -q . || break
        sleep 0.1
    done
    find /sys/fs/cgroup -maxdepth 5 -type d -name "sv-$t-linger.*" | grep -q . &&
        fail "cgroups of the recreated $t-linger outlived their tasks"
    "$BIN/xl" destroy "$t-other"
    pass "a dead domain's task lingers: 12 xl list of another took $during ms" \
        "(no domain dying: $base ms), its name was taken again 3 times at once," \
        "every cgroup went after its task"
fi
