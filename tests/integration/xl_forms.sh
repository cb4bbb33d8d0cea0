#!/usr/bin/env bash
# Xen 4.17 xl's argument forms, as scripts and habits use them: one option
# parser for every command (options before or after operands, --long forms,
# unknown ones refused naming them), create FILE KEY=VALUE... (xl.cfg or
# libvirt XML) and -c/-q and
# --dry-run=xml, list -l/--long/-v, destroy -f, shutdown -a/-w/-F, uptime -s,
# info's fields and -n, network-attach with one KEY=VALUE per argument,
# network-list of several domains, short BDFs, xl help CMD.
source "$(dirname "$0")/lib.sh"
require_root
sv_use_installed
sv_start --nic "--wire none"
t=$SV_TEST_TAG
rd=$SPLITVISOR_RUNDIR

# Every command refuses an option it does not know, naming it (usage, 2),
# and answers --help with its usage (0).
for cmd in $("$BIN/xl" help | awk '/^ [a-z]/ {print $1}'); do
    rc=0; err=$("$BIN/xl" "$cmd" --frobnicate 2>&1) || rc=$?
    [ "$rc" = 2 ] || fail "xl $cmd --frobnicate: exit $rc: $err"
    grep -q "xl: $cmd: unknown option '--frobnicate'" <<<"$err" || fail "xl $cmd: unclear: $err"
    "$BIN/xl" "$cmd" --help 2>&1 | grep -q "^usage: xl $cmd " || fail "xl $cmd --help"
done
rc=0; err=$("$BIN/xl" top -d 2>&1) || rc=$?
[ "$rc" = 2 ] && grep -q "a value is missing after '-d'" <<<"$err" || fail "top -d: $rc $err"
"$BIN/xl" help shutdown | grep -q -- "-a|--all" || fail "help shutdown: $("$BIN/xl" help shutdown)"
pass "one option parser: unknown options named, --help everywhere, xl help CMD"

# create FILE KEY=VALUE...: the settings win over the file's; errors name them.
cfg=$(sv_cfg "$t-file" sleep)
"$BIN/xl" create -n "$cfg" "name=\"$t-over\"" 'memory=24' >"$rd/over.json" 2>"$rd/over.err"
grep -q "\"name\": \"$t-over\"" "$rd/over.json" || fail "name override: $(cat "$rd/over.json")"
grep -q '"memory": 24,' "$rd/over.json" || fail "memory override: $(cat "$rd/over.json")"
grep -q "$cfg:1: name: overridden on the command line" "$rd/over.err" ||
    fail "override not said: $(cat "$rd/over.err")"
err=$("$BIN/xl" create "$cfg" 'vcpus=1' 'memory="lots"' 2>&1) && fail "a bad override was taken"
grep -q "(command line):2: memory:" <<<"$err" || fail "bad override unnamed: $err"
err=$("$BIN/xl" create "$cfg" memory 2>&1) && fail "an override without = was taken"
grep -q "'memory' is not a KEY=VALUE setting" <<<"$err" || fail "unclear: $err"
"$BIN/xl" create -n=xml "$cfg" 2>/dev/null && fail "-n=xml (short options take no value)"
"$BIN/xl" create --dry-run=xml "$cfg" >"$rd/file.xml"
# Over libvirt XML the settings change the description the same way.
"$BIN/xl" create -n "$rd/file.xml" "name=\"$t-xo\"" memory=32 >"$rd/xo.json"
grep -q "\"name\": \"$t-xo\"" "$rd/xo.json" && grep -q '"memory": 32,' "$rd/xo.json" &&
    grep -q '"maxmem": 32,' "$rd/xo.json" || fail "XML override: $(cat "$rd/xo.json")"
err=$("$BIN/xl" create "$rd/file.xml" 'memory="lots"' 2>&1) && fail "a bad XML override was taken"
grep -q "(command line):1: memory:" <<<"$err" || fail "bad XML override unnamed: $err"
diff <("$BIN/xl" create --dry-run "$cfg") <("$BIN/xl" create --dry-run=json "$rd/file.xml") ||
    fail "--dry-run=xml does not describe the same domain"
err=$("$BIN/xl" create --dry-run=yaml "$cfg" 2>&1) && fail "--dry-run=yaml taken"
grep -q "takes json or xml, not 'yaml'" <<<"$err" || fail "unclear: $err"
[ -z "$("$BIN/xl" create -q "$cfg" "name=\"$t-q\"")" ] || fail "create -q said something"
"$BIN/xl" domid "$t-q" >/dev/null || fail "create FILE name=... did not create $t-q"
out=$(printf 'hello\nbye\n' | timeout 20 "$BIN/xl" create "$(sv_cfg "$t-c" echo)" -c) ||
    fail "create -c: $out"
grep -q "^ECHO hello" <<<"$out" || fail "create -c showed no console: $out"
pass "create FILE KEY=VALUE..., -q, -c, --dry-run=json|xml"

# list -l/--long/-v, destroy -f (after the operand too).
d=$("$BIN/xl" domid "$t-q")
uuid=$("$BIN/xl" list --long "$t-q" | sed -n 's/.*"uuid": "\(.*\)".*/\1/p')
[ -n "$uuid" ] || fail "list --long: $("$BIN/xl" list --long "$t-q")"
"$BIN/xl" list -v | grep -q "^Name .* UUID *Reason-Code$" || fail "list -v header: $("$BIN/xl" list -v)"
"$BIN/xl" list -v "$t-q" | grep -Eq "^$t-q +$d .* $uuid +-$" || fail "list -v: $("$BIN/xl" list -v)"
"$BIN/xl" destroy "$t-q" -f
"$BIN/xl" domid "$t-q" >/dev/null 2>&1 && fail "destroy DOM -f left it"
pass "list -l/--long/-v; destroy -f"

# shutdown -a -w -F: every domain, waited for (on_poweroff preserve: kept, 's').
a=$(sv_create "$t-a" pvsleep)
b=$(sv_create "$t-b" sleep)
wait_console "$b" SLEEPING >/dev/null
"$BIN/xl" shutdown -a -w -F >"$rd/sd.out" || fail "shutdown -a -w -F: $(cat "$rd/sd.out")"
for id in "$a" "$b"; do
    grep -q "^Domain $id has shut down" "$rd/sd.out" || fail "shutdown -a: $(cat "$rd/sd.out")"
    [ "$(domain_state "$id")" = "---s--" ] || fail "domain $id: state $(domain_state "$id")"
    "$BIN/xl" list -v | grep -Eq "^\S+ +$id .* 0$" || fail "list -v: no reason 0 for $id"
done
"$BIN/xl" shutdown -a "$t-a" 2>/dev/null && fail "shutdown -a DOMAIN taken"
err=$("$BIN/xl" shutdown 0 2>&1) && fail "shutdown of Domain-0 succeeded"
grep -q "Domain-0 is the host" <<<"$err" || fail "shutdown of Domain-0: $err"
"$BIN/xl" destroy "$t-a"; "$BIN/xl" destroy "$t-b"
# A paused domain cannot see its power button: said, not an errno.
"$BIN/xl" create -p "$(sv_cfg "$t-p" sleep)" >/dev/null
rc=0; err=$("$BIN/xl" shutdown "$t-p" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "shutdown of a paused domain: exit $rc: $err"
grep -q "xl: domain [0-9]* is paused and watches no control/shutdown: it cannot act" <<<"$err" ||
    fail "shutdown of a paused domain: unclear: $err"
"$BIN/xl" destroy "$t-p"
pass "shutdown -a -w -F; list -v's reason code; a paused domain's shutdown explained"

# uptime -s, info's fields and -n.
c=$(sv_create "$t-up" sleep)
"$BIN/xl" uptime -s "$t-up" | grep -Eq "^ [0-9]{2}:[0-9]{2}:[0-9]{2} up +[0-9]+:[0-9]{2}, $t-up \($c\)$" ||
    fail "uptime -s: $("$BIN/xl" uptime -s "$t-up")"
"$BIN/xl" uptime "$t-up" | grep -Eq "^$t-up +$c [0-9]+:[0-9]{2}:[0-9]{2}$" || fail "uptime"
info=$("$BIN/xl" info)
for f in host release machine nr_cpus nr_nodes total_memory free_memory xen_major xen_minor \
    xen_version xen_caps xen_scheduler xen_pagesize xend_config_format; do
    grep -Eq "^$f +: " <<<"$info" || fail "xl info has no $f"
done
grep -q "^xen_version *: 4.17" <<<"$info" || fail "xen_version: $info"
grep -q "^xen_caps *: xen-3.0-$(uname -m)$" <<<"$info" || fail "xen_caps: $info"
grep -q "cpu_topology" <<<"$info" && fail "info without -n shows the topology"
numa=$("$BIN/xl" info -n)
grep -q "^cpu_topology" <<<"$numa" && grep -q "^numa_info" <<<"$numa" || fail "info -n: $numa"
[ "$(sed -n '/^cpu:/,/^device topology/p' <<<"$numa" | grep -cE '^ +[0-9]+: +[0-9]+ +[0-9]+ +[0-9]+$')" = \
  "$(nproc)" ] ||
    fail "info -n: not one line per CPU: $numa"
pass "uptime -s; info's Xen fields and -n"

# network-attach DOM KEY=VALUE KEY=VALUE; network-list of several domains.
e=$(sv_create "$t-net" sleep)
"$BIN/xl" network-attach "$t-net" mac=00:16:3e:5a:00:01 bridge=xenbr0 2>/dev/null ||
    fail "network-attach with KEY=VALUE arguments"
"$BIN/xl" network-attach "$t-up" 'mac=00:16:3e:5a:00:02,bridge=xenbr0' 2>/dev/null ||
    fail "network-attach with one spec"
err=$("$BIN/xl" network-attach "$t-net" mac=00:16:3e:5a:00:03 xenbr0 2>&1) &&
    fail "network-attach of a word that is no KEY=VALUE"
grep -q "'xenbr0' is not a KEY=VALUE setting" <<<"$err" || fail "unclear: $err"
list=$("$BIN/xl" network-list "$t-net" "$t-up")
[ "$(grep -c '^Idx ' <<<"$list")" = 1 ] || fail "network-list: not one header: $list"
grep -qi "00:16:3e:5a:00:01" <<<"$list" && grep -qi "00:16:3e:5a:00:02" <<<"$list" ||
    fail "network-list DOM DOM: $list"
"$BIN/xl" list -l "$t-net" | grep -qi '"mac": "00:16:3e:5a:00:01"' || fail "attach not kept"
pass "network-attach DOM KEY=VALUE...; network-list DOM..."

# Short BDFs wherever a BDF is taken.
"$BIN/xl" pci-assignable-add 03:10.1 || fail "pci-assignable-add of a short BDF"
"$BIN/xl" pci-assignable-list | grep -q "^0000:03:10.1$" || fail "short BDF not assigned"
"$BIN/xl" pci-attach "$t-up" 03:10.1 || fail "pci-attach of a short BDF"
"$BIN/xl" pci-list "$t-up" | grep -q "0000:03:10.1" || fail "pci-list"
"$BIN/xl" pci-reset 03:10.1 || fail "pci-reset of a short BDF"
"$BIN/xl" pci-list "$t-up" | grep -q "0000:03:10.1" || fail "pci-reset took the function away"
err=$("$BIN/xl" pci-reset 7f:00.0 2>&1) && fail "pci-reset of no function"
grep -q "0000:7f:00.0: no such PCI function" <<<"$err" || fail "pci-reset of no function: $err"
"$BIN/xl" pci-detach "$t-up" 03:10.1 || fail "pci-detach of a short BDF"
"$BIN/xl" pci-attach "$t-up" 03:10.1 || fail "pci-attach after a detach"
"$BIN/xl" pci-detach -f "$t-up" 03:10.1 || fail "pci-detach -f of a short BDF"
"$BIN/xl" pci-list "$t-up" | grep -q "0000:03:10.1" && fail "pci-detach -f left the function"
"$BIN/xl" pci-assignable-remove 03:10.1 || fail "pci-assignable-remove of a short BDF"
"$BIN/xl" pci-assignable-add 03:10.1,mac=x 2>/dev/null && fail "a spec taken as a BDF"
pass "short BDFs (03:10.1) in pci-assignable-*, pci-attach/-detach [-f], pci-reset"

# pci-list-all: every function with its owner.
"$BIN/xl" pci-assignable-add 03:10.2
"$BIN/xl" pci-attach "$t-up" 03:10.2
all=$("$BIN/xl" pci-list-all)
grep -Eq "^0000:03:00.0 +0 +PF +[0-9]+ +no +Domain-0$" <<<"$all" || fail "pci-list-all PF: $all"
grep -Eq "^0000:03:10.2 +0 +VF 2 +[0-9]+ +yes +$t-up$" <<<"$all" || fail "pci-list-all VF: $all"
"$BIN/xl" pci-detach "$t-up" 03:10.2
pass "pci-list-all"

# sched-credit: weight and cap on the domain's cpu cgroup; the weight kept.
"$BIN/xl" sched-credit -d "$t-up" -w 512 -c 50
"$BIN/xl" sched-credit -d "$t-up" | grep -Eq "^$t-up +$c +512 +50$" ||
    fail "sched-credit -d: $("$BIN/xl" sched-credit -d "$t-up")"
cpu=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "sv-$t-up.$c" -path "*cpu*" | head -1)
if [ -n "$cpu" ] && [ -e "$cpu/cpu.shares" ]; then
    [ "$(cat "$cpu/cpu.shares")" = 2048 ] && [ "$(cat "$cpu/cpu.cfs_quota_us")" = 50000 ] ||
        fail "cgroup v1: shares $(cat "$cpu/cpu.shares") quota $(cat "$cpu/cpu.cfs_quota_us")"
fi
"$BIN/xl" dumpxml "$t-up" | grep -q "<shares>2048</shares>" || fail "weight not kept"
"$BIN/xl" sched-credit --domain="$t-up" --cap=0
"$BIN/xl" sched-credit | grep -Eq "^$t-up +$c +512 +0$" || fail "sched-credit: $("$BIN/xl" sched-credit)"
"$BIN/xl" sched-credit -d "$t-up" -w 0 2>/dev/null && fail "weight 0 taken"
"$BIN/xl" sched-credit -d 0 -w 10 2>/dev/null && fail "Domain-0's weight set"
"$BIN/xl" sched-credit -w 10 2>/dev/null && fail "-w without -d taken"
pass "sched-credit -d DOM -w WEIGHT -c CAP"
