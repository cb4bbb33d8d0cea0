#!/usr/bin/env bash
# Xen's commands for a running domain's resources and life, over libsvl:
# vcpu-list and vcpu-pin (the threads of its process), mem-set and mem-max
# (its memory cgroup, within what it was given), trigger and sysrq (where
# they mean something), config-update (its next restart), rename, domstats (JSON
# counters with per-vif packets and bytes) and top's bytes, Domain-0 and q.
source "$(dirname "$0")/lib.sh"
require_root
sv_use_installed
sv_start --nic "--wire none"
t=$SV_TEST_TAG
rd=$SPLITVISOR_RUNDIR
ncpus=$(nproc --all)

d=$(sv_create "$t-a" sleep)
wait_console "$d" SLEEPING >/dev/null
pid=$(domain_pid "$t-a")
[ -n "$pid" ] || fail "no process for $t-a"

# vcpu-list: one row per thread of the domain's process, Xen's header.
out=$("$BIN/xl" vcpu-list "$t-a")
grep -q "^Name .*ID .*VCPU .*CPU .*State .*Time(s) .*Affinity (Hard / Soft)$" <<<"$out" ||
    fail "vcpu-list header: $out"
threads=$(ls "/proc/$pid/task" | wc -l)
[ "$(grep -c "^$t-a " <<<"$out")" = "$threads" ] || fail "vcpu-list: $threads threads: $out"
grep -q "^$t-a  *$d  *0 .* all / all$" <<<"$out" || fail "vcpu-list affinity: $out"
"$BIN/xl" vcpu-list | grep -q "^$t-a " || fail "vcpu-list of every domain: $("$BIN/xl" vcpu-list)"

# vcpu-pin: the thread's affinity is what was asked (all: every thread).
"$BIN/xl" vcpu-pin "$t-a" all 0
for task in /proc/"$pid"/task/*; do
    taskset -pc "${task##*/}" | grep -q "list: 0$" || fail "vcpu-pin all 0: $(taskset -pc "${task##*/}")"
done
"$BIN/xl" vcpu-list "$t-a" | grep -q "^$t-a  *$d  *0 .* 0 / all$" || fail "vcpu-list after pin"
if [ "$ncpus" -gt 1 ]; then
    "$BIN/xl" vcpu-pin "$t-a" 0 1
    taskset -pc "$pid" | grep -q "list: 1$" || fail "vcpu-pin 0 1: $(taskset -pc "$pid")"
    "$BIN/xl" vcpu-list "$t-a" | grep -q "^$t-a  *$d  *0 .* 1 / all$" || fail "vcpu-list after pin 0 1"
fi
err=$("$BIN/xl" vcpu-pin "$t-a" all "$ncpus" 2>&1) && fail "a CPU the host lacks was taken"
grep -q "not 'all' or a list of this host's CPUs" <<<"$err" || fail "unclear: $err"
err=$("$BIN/xl" vcpu-pin "$t-a" 63 0 2>&1) && fail "a VCPU it lacks was taken"
grep -q "$t-a has VCPUs 0\.\." <<<"$err" || fail "unclear: $err"
err=$("$BIN/xl" vcpu-pin Domain-0 all 0 2>&1) && fail "Domain-0 pinned"
grep -q "Domain-0 is the host" <<<"$err" || fail "unclear: $err"
pass "vcpu-list (a row per thread, Xen's columns) and vcpu-pin (affinity as asked, bad CPUs refused)"

# mem-max / mem-set: its memory cgroup, up to the 16 MiB it was given.
if cg=$(awk -F: '$2 == "memory" || $2 == "" {print $3; exit}' "/proc/$pid/cgroup") &&
    [ -n "$cg" ] && grep -q "sv-$t-a" <<<"$cg"; then
    dir=$(awk -F: '$2 == "memory" {print "/sys/fs/cgroup/memory" $3; exit}' "/proc/$pid/cgroup")
    [ -d "$dir" ] || dir=/sys/fs/cgroup$cg
    max=memory.max high=memory.high
    [ -f "$dir/$max" ] || { max=memory.limit_in_bytes; high=memory.soft_limit_in_bytes; }
    "$BIN/xl" mem-max "$t-a" 12m
    [ "$(cat "$dir/$max")" = $(((12 + 64) << 20)) ] || fail "mem-max 12m: $max $(cat "$dir/$max")"
    "$BIN/xl" mem-set "$t-a" 8
    [ "$(cat "$dir/$high")" = $(((8 + 64) << 20)) ] || fail "mem-set 8: $high $(cat "$dir/$high")"
    XENSTORED_PATH=$rd/xenstored/socket xenstore-read "/local/domain/$d/memory/target" 2>/dev/null |
        grep -qx 8192 || true # xenstore-utils may be missing: the cgroup is the test
    "$BIN/xl" mem-max "$t-a" 16384k
    [ "$(cat "$dir/$max")" = $(((16 + 64) << 20)) ] || fail "mem-max back to 16 MiB"
    err=$("$BIN/xl" mem-max "$t-a" 17 2>&1) && fail "more than it was given was taken"
    grep -q "$t-a was given 16 MiB: 1..16, not 17" <<<"$err" || fail "unclear: $err"
    err=$("$BIN/xl" mem-set "$t-a" lots 2>&1) && fail "mem-set lots taken"
    grep -q "'lots' is not a size" <<<"$err" || fail "unclear: $err"
    pass "mem-max and mem-set move its memory cgroup's limits, never past what it was given"
else
    echo "note: $t-a has no memory cgroup of its own here: mem-set/mem-max not tested"
fi

# trigger and sysrq: the power button, or a stop with a reason; the rest refused.
err=$("$BIN/xl" trigger "$t-a" nmi 2>&1) && fail "trigger nmi taken"
grep -q "trigger 'nmi' means nothing here" <<<"$err" || fail "unclear: $err"
err=$("$BIN/xl" sysrq "$t-a" h 2>&1) && fail "sysrq h taken"
grep -q "sysrq 'h' means nothing here" <<<"$err" || fail "unclear: $err"
"$BIN/xl" sysrq "$t-a" c
for ((i = 0; i < 50; i++)); do [ "$(domain_state "$d")" = "----c-" ] && break; sleep 0.1; done
[ "$(domain_state "$d")" = "----c-" ] || fail "sysrq c: state $(domain_state "$d")"
"$BIN/xl" destroy "$t-a"
d=$(sv_create "$t-b" sleep)
wait_console "$d" SLEEPING >/dev/null
"$BIN/xl" trigger "$t-b" power
for ((i = 0; i < 50; i++)); do [ "$(domain_state "$d")" = "---s--" ] && break; sleep 0.1; done
[ "$(domain_state "$d")" = "---s--" ] || fail "trigger power: state $(domain_state "$d")"
"$BIN/xl" destroy "$t-b"
pass "trigger power and sysrq c stop the domain as asked; nmi and h refused, said"

# config-update: the next restart's description; the name must be the same.
cfg=$(sv_cfg "$t-u" sleep)
sed -i 's/^on_crash = .*/on_crash = "restart"/' "$cfg"
"$BIN/xl" create "$cfg" >/dev/null
d=$("$BIN/xl" domid "$t-u")
wait_console "$d" SLEEPING >/dev/null
"$BIN/xl" config-update "$t-u" "$cfg" 'memory=20' 'extra="sleep updated"'
"$BIN/xl" list -l "$t-u" | grep -q '"memory": 20,' || fail "config-update not kept"
err=$("$BIN/xl" config-update "$t-u" "$cfg" "name=\"$t-other\"" 2>&1) && fail "another name taken"
grep -q "names '$t-other', not '$t-u'" <<<"$err" || fail "unclear: $err"
"$BIN/xl" sysrq "$t-u" c
now=$(wait_restarted "$t-u" "$d")
"$BIN/xl" list "$t-u" | awk 'NR == 2 {print $3}' | grep -qx 20 || fail "restart ignored the update"
"$BIN/xl" destroy "$t-u"
pass "config-update: the restart takes the new description; another name refused"

# rename: the domain, its namespace (xl exec), xenstore and description.
d=$(sv_create "$t-old" sleep)
wait_console "$d" SLEEPING >/dev/null
"$BIN/xl" rename "$t-old" "$t-new"
[ "$("$BIN/xl" domid "$t-new")" = "$d" ] || fail "rename: $("$BIN/xl" list)"
"$BIN/xl" domid "$t-old" >/dev/null 2>&1 && fail "the old name still answers"
"$BIN/xl" exec "$t-new" -- true || fail "xl exec by the new name"
"$BIN/xl" list -l "$t-new" | grep -q "\"name\": \"$t-new\"" || fail "description not renamed"
err=$("$BIN/xl" rename "$t-new" 'bad/name' 2>&1) && fail "a bad name was taken"
grep -q "'bad/name' is no domain name" <<<"$err" || fail "unclear: $err"
other=$(sv_create "$t-other" sleep)
err=$("$BIN/xl" rename "$t-new" "$t-other" 2>&1) && fail "a taken name was taken"
grep -q "a domain named '$t-other' exists" <<<"$err" || fail "unclear: $err"
"$BIN/xl" destroy "$t-new"
[ -e "/run/netns/sv-$t-new" ] && fail "the namespace's new name outlived the domain"
[ -e "/run/netns/sv-$t-old" ] && fail "the namespace's first name outlived the domain"
"$BIN/xl" destroy "$t-other"
pass "rename: by the new name everywhere (exec, list -l); bad and taken names refused; no name left"

# domstats and top: JSON with per-vif packets and bytes that move with traffic.
dd=$(sv_netdd "$t-dd")
g1=$(sv_guest "$t-g1" "$t-dd" 10.9.0.1/24)
g2=$(sv_guest "$t-g2" "$t-dd" 10.9.0.2/24)
wait_ping "$t-g1" 10.9.0.2
"$BIN/xl" exec "$t-g1" -- ping -c 20 -i 0.05 -q 10.9.0.2 >/dev/null || fail "ping"
"$BIN/xl" domstats "$t-g1" "$t-g2" >"$rd/stats.json"
python3 - "$rd/stats.json" "$t-g1" <<'PY' || fail "domstats: $(cat "$rd/stats.json")"
import json, sys
stats = json.load(open(sys.argv[1]))
assert [d["name"] for d in stats] == [sys.argv[2], sys.argv[2].replace("g1", "g2")], stats
g1 = stats[0]
assert g1["state"] == "running" and g1["cpu_time_ns"] > 0 and g1["memory_kb"] > 0, g1
vif = g1["vifs"][0]
assert vif["devid"] == 0 and vif["steering"].startswith("pool "), vif
assert vif["tx_packets"] >= 20 and vif["tx_bytes"] >= 20 * 98, vif
assert vif["rx_packets"] >= 20 and vif["rx_bytes"] >= 20 * 98, vif
PY
out=$("$BIN/xl" top -b -i 1)
grep -q "^Domain-0 " <<<"$out" || fail "top has no Domain-0: $out"
grep -Eq "^    vif 0 .* pool [0-9]+  RX [0-9]+ pkts [0-9]+ bytes  TX [0-9]+ pkts [0-9]+ bytes$" \
    <<<"$out" || fail "top has no bytes: $out"
command -v script >/dev/null || skip "no script(1) for a terminal: q not tested"
start=$(date +%s)
(sleep 1.5; printf q) | timeout 20 script -qec "$BIN/xl top -d 30" /dev/null >/dev/null ||
    fail "top on a terminal did not leave on q"
[ $(($(date +%s) - start)) -lt 15 ] || fail "q did not cut the 30 s delay short"
pass "domstats (JSON, per-vif packets and bytes) and top (bytes, Domain-0, q leaves)"
