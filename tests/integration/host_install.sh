#!/usr/bin/env bash
# make install into a DESTDIR, then the installed files alone (never build/):
# the host starts with splitvisor.service's own ExecStart line and its
# host.cfg, splitvisor-domains.service's ExecStart creates the domains of
# auto/, its ExecStop shuts every domain down cleanly (exit status 0, not
# killed: a hand-made domain first, then auto/'s in reverse order) and a
# domain that cannot shut down is destroyed at the timeout;
# splitvisor-domain@NAME.service does the same for NAME's domain alone; the
# domains' cgroups are in the hypervisor's, which its unit delegates; the
# units pass systemd-analyze verify (PID 1 here is no systemd); the lasting logs are dated and logrotate rotates
# them while the hypervisor keeps writing; the man pages render; the bash
# completion completes commands, domains and BDFs; make uninstall leaves
# only the operator's files.
source "$(dirname "$0")/lib.sh"
require_root
command -v go-md2man >/dev/null || skip "needs go-md2man (the man pages)"
command -v logrotate >/dev/null || skip "needs logrotate"
top=$(cd "$(dirname "$0")/../.." && pwd)
variant=release
[[ $SV_BUILD == */asan ]] && variant=asan
t=$SV_TEST_TAG

D=$(mktemp -d /tmp/sv-test-dest.XXXXXX)
sv_on_exit "[ \$rc -eq 0 ] || tail -20 '$D/var/log/splitvisor/splitvisor.log'; rm -rf '$D' '$D.log'"
make -C "$top" -s VARIANT=$variant install DESTDIR="$D" PREFIX=/usr >"$D.log" 2>&1 ||
    fail "make install: $(tail -5 "$D.log")"
rm -f "$D.log"
for f in usr/sbin/xl usr/sbin/splitvisor usr/sbin/splitvisor-domains \
    usr/lib/splitvisor/bin/xenstored usr/lib/splitvisor/bin/xnic usr/lib/splitvisor/bin/guest \
    usr/lib/splitvisor/lib/libxenctrl.so usr/share/man/man1/xl.1 usr/share/man/man5/xl.cfg.5 \
    usr/share/man/man8/splitvisor.8 usr/share/bash-completion/completions/xl \
    usr/lib/systemd/system/splitvisor.service usr/lib/systemd/system/splitvisor-domains.service \
    usr/lib/systemd/system/splitvisor-domain@.service \
    etc/splitvisor/host.cfg etc/logrotate.d/splitvisor usr/share/doc/splitvisor/examples/netdd.cfg; do
    [ -e "$D/$f" ] || fail "not installed: /$f"
done
grep -q "^kernel = \"/usr/lib/splitvisor/bin/netdd\"" "$D/usr/share/doc/splitvisor/examples/netdd.cfg" ||
    fail "the installed example does not name the installed image"
pass "make install DESTDIR PREFIX=/usr: programs, libraries, units, man pages, completion, config"

# From here on, only the installed tree: BIN (lib.sh's cleanup too) is it.
BIN=$D/usr/sbin
units=$D/usr/lib/systemd/system
# The installed paths, moved into the DESTDIR.
in_dest() { sed -e "s#/usr/#$D/usr/#g" -e "s#/etc/#$D/etc/#g" -e "s#/var/#$D/var/#g"; }
# A unit's settings (ExecStart, Environment...), in the DESTDIR; UNIT@NAME
# is the template's with %i NAME.
unit_get() {
    local file=$1 inst=
    if [[ $1 == *@?*.service ]]; then
        inst=${1#*@} file=${1%%@*}@.service
        inst=${inst%.service}
    fi
    sed -n "s/^$2=//p" "$units/$file" | sed "s/%i/$inst/g" | in_dest
}
# Runs a unit's command as systemd would: its Environment= lines, then
# VAR=VALUE overrides (a shorter timeout), then the command line.
run_unit() {
    local unit=$1 key=$2 cmd env
    shift 2
    cmd=$(unit_get "$unit" "$key")
    [ -n "$cmd" ] || fail "$unit has no $key"
    mapfile -t env < <(unit_get "$unit" Environment)
    # shellcheck disable=SC2086 # a unit's command line is split on spaces
    env "${env[@]}" "$@" $cmd
}

if command -v systemd-analyze >/dev/null; then
    v=$D/verify
    mkdir "$v"
    for u in splitvisor.service splitvisor-domains.service splitvisor-domain@.service; do
        in_dest <"$units/$u" >"$v/$u"
    done
    # A template is verified through an instance of it.
    out=$(MANPATH=$D/usr/share/man systemd-analyze verify "$v/splitvisor.service" \
        "$v/splitvisor-domains.service" "$v/splitvisor-domain@web.service" 2>&1) ||
        fail "systemd-analyze verify: $out"
    [ -z "$out" ] || fail "systemd-analyze verify: $out"
    rm -r "$v"
    pass "the units pass systemd-analyze verify (their commands and man pages exist)"
fi

# The operator's host.cfg: a NIC with no wire (no TAP name shared with others).
echo 'nic = "--wire none --vfs 2"' >"$D/etc/splitvisor/host.cfg"
SPLITVISOR_RUNDIR=$(mktemp -d /tmp/sv-test.XXXXXX)
export SPLITVISOR_RUNDIR
logdir=$D/var/log/splitvisor # the units' SPLITVISOR_LOGDIR
trap sv_cleanup EXIT
run_unit splitvisor.service ExecStart >/dev/null || fail "splitvisor.service did not start"
"$BIN/splitvisor" status | grep -q "running" || fail "status: $("$BIN/splitvisor" status)"
exe=$(readlink "/proc/$(cat "$SPLITVISOR_RUNDIR/splitvisor.pid")/exe")
[ "$exe" = "$D/usr/lib/splitvisor/bin/splitvisor" ] || fail "the hypervisor runs $exe"
exe=$(readlink "/proc/$(cat "$SPLITVISOR_RUNDIR/xenstored.pid")/exe")
[ "$exe" = "$D/usr/lib/splitvisor/bin/xenstored" ] || fail "xenstored runs $exe"
"$BIN/xl" pci-assignable-add 0000:03:10.0
pass "splitvisor.service's ExecStart starts the installed host with host.cfg's NIC"

log=$logdir/splitvisor.log
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]{12} splitvisor\[[0-9]+\] info: hypervisor' "$log" ||
    fail "no dated line in $log: $(head -2 "$log")"
[ "$(stat -c %a "$logdir")" = 750 ] || fail "log directory mode"
for f in xenstored.log nic0.log; do [ -f "$logdir/$f" ] || fail "no $f"; done
[ -e "$SPLITVISOR_RUNDIR/splitvisor.log" ] && fail "a log in the run directory"
pass "the logs go to the log directory, dated; the run directory keeps sockets and pids"

# Autostart: two descriptions in auto/, created in file-name order.
auto=$D/etc/splitvisor/auto
guest_cfg() { printf 'name = "%s"\nmemory = 16\nkernel = "/usr/lib/splitvisor/bin/guest"\n' "$1" | in_dest; }
guest_cfg "$t-a" >"$auto/10-a.cfg"
guest_cfg "$t-b" >"$auto/20-b.cfg"
export SPLITVISOR_AUTO_DIR=$auto
printf 'name = "%s-bad"\nmemory = lots\n' "$t" >"$auto/15-bad.cfg"
out=$(run_unit splitvisor-domains.service ExecStart 2>&1) && fail "a bad description passed"
grep -q "15-bad.cfg:2" <<<"$out" || fail "the bad description's error: $out"
rm "$auto/15-bad.cfg"
a=$("$BIN/xl" domid "$t-a") || fail "$t-a did not start"
b=$("$BIN/xl" domid "$t-b") || fail "$t-b did not start"
[ "$a" -lt "$b" ] || fail "auto/ not in file-name order ($a, $b)"
out=$(run_unit splitvisor-domains.service ExecStart) || fail "a second start failed: $out"
grep -q "$t-b already running" <<<"$out" || fail "second start: $out"
[ "$("$BIN/xl" list | wc -l)" -eq 4 ] || fail "a second start made domains: $("$BIN/xl" list)"
[ -f "$logdir/monitor.log" ] || fail "the monitors do not log in the unit's log directory"
out=$("$BIN/splitvisor-domains" status)
grep -q "^$t-a running" <<<"$out" || fail "status: $out"
pass "splitvisor-domains.service's ExecStart creates auto/'s domains in order, once, past a bad one"

# The domains' cgroups are in the hypervisor's, which the unit delegates to
# it (systemd leaves that subtree alone).
grep -q "^Delegate=yes$" "$units/splitvisor.service" || fail "splitvisor.service delegates no cgroup"
hv=$(cat "$SPLITVISOR_RUNDIR/splitvisor.pid")
n=0
for c in memory pids cpu; do
    mine=$(awk -F: -v c="$c" '{ split($2, k, ","); for (i in k) if (k[i] == c) print $3 }' \
        "/proc/$hv/cgroup")
    dir=$(find "/sys/fs/cgroup/$c" -maxdepth 6 -type d -name "sv-$t-a.$a" 2>/dev/null | head -1)
    [ -n "$mine" ] && [ -n "$dir" ] || continue
    [[ $dir == */${mine#/}/sv-$t-a.$a || $dir == /sys/fs/cgroup/$c/sv-$t-a.$a && $mine == / ]] ||
        fail "$c: the domain's cgroup $dir is not in the hypervisor's ($mine)"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no domain cgroup found beside the hypervisor's"
pass "splitvisor.service delegates its cgroup; the domains' are in it"

# A domain as a unit of its own: splitvisor-domain@NAME with the
# description CONF_DIR/NAME.cfg, stopped cleanly, the others untouched.
export SPLITVISOR_CONF_DIR=$D/etc/splitvisor
guest_cfg "$t-u" >"$SPLITVISOR_CONF_DIR/$t-u.cfg"
run_unit "splitvisor-domain@$t-u.service" ExecStart >/dev/null || fail "splitvisor-domain@ did not start"
u=$("$BIN/xl" domid "$t-u") || fail "splitvisor-domain@$t-u.service started no domain"
out=$(run_unit "splitvisor-domain@$t-u.service" ExecStart) || fail "a second start: $out"
grep -q "$t-u already running" <<<"$out" || fail "second start: $out"
grep -q "^$t-u running" <<<"$("$BIN/splitvisor-domains" status "$t-u")" || fail "status $t-u"
out=$(run_unit splitvisor-domain@nosuch.service ExecStart 2>&1) && fail "an instance without description"
grep -q "no description nosuch: neither $SPLITVISOR_CONF_DIR/nosuch.cfg nor nosuch.xml" <<<"$out" ||
    fail "unclear: $out"
run_unit "splitvisor-domain@$t-u.service" ExecStop >/dev/null || fail "splitvisor-domain@ did not stop"
grep -q "domain $u ($t-u) shut down: exit status 0" "$log" || fail "$t-u not shut down cleanly"
"$BIN/xl" domid "$t-a" >/dev/null && "$BIN/xl" domid "$t-b" >/dev/null ||
    fail "stopping one domain's unit touched another"
pass "splitvisor-domain@NAME.service starts and cleanly stops its domain alone"

# Completion from the installed file, against the running host.
comp=$D/usr/share/bash-completion/completions/xl
complete_xl() {
    PATH=$BIN:$PATH bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        _xl; echo "${COMPREPLY[*]}"' _ "$comp" "$@"
}
bash -c "source '$comp'; complete -p xl" | grep -q -- "-F _xl xl" || fail "no completion for xl"
[[ " $(complete_xl xl pci-a) " == *" pci-attach "* ]] || fail "commands: $(complete_xl xl pci-a)"
[ "$(complete_xl xl shutdown "$t-b")" = "$t-b" ] || fail "domains: $(complete_xl xl shutdown "$t-b")"
[ "$(complete_xl xl pci-attach "$t-a" '')" = 0000:03:10.0 ] ||
    fail "BDFs: $(complete_xl xl pci-attach "$t-a" '')"
[ "$(complete_xl xl create --d)" = --dry-run ] || fail "options: $(complete_xl xl create --d)"
[ "$(complete_xl xl trigger "$t-a" '')" = "power reset" ] ||
    fail "words: $(complete_xl xl trigger "$t-a" '')"
[ "$(complete_xl xl vcpu-pin "$t-a" a)" = all ] || fail "vcpu-pin: $(complete_xl xl vcpu-pin "$t-a" a)"
pass "the completion gives commands, domain names, BDFs, options and the words of a usage"

man_text() { MANWIDTH=200 man -l "$D/usr/share/man/$1" 2>&1 | col -b; }
for p in man1/xl.1 man5/xl.cfg.5 man8/splitvisor.8; do
    out=$(man_text $p)
    grep -q "^NAME" <<<"$out" || fail "$p does not render: $(head -3 <<<"$out")"
done
out=$(man_text man8/splitvisor.8)
grep -q "splitvisor-domains stop" <<<"$out" || fail "splitvisor(8) lacks the autostart section"
grep -q "splitvisor-domain@NAME.service" <<<"$out" || fail "splitvisor(8) lacks the domain unit"
out=$(man_text man5/xl.cfg.5)
grep -q "on_poweroff" <<<"$out" || fail "xl.cfg(5) lacks the keys"
pass "the man pages render with the docs' content"

# Rotation while the hypervisor writes on (copytruncate: its fd stays good).
in_dest <"$D/etc/logrotate.d/splitvisor" >"$D/logrotate.conf"
logrotate -f -s "$D/logrotate.state" "$D/logrotate.conf" || fail "logrotate"
[ -s "$log.1" ] || fail "splitvisor.log not rotated: $(ls "$logdir")"
pass "logrotate rotates the logs (the shutdown lines below land in the new file)"

# A domain made by hand (not in auto/), then a paused one that cannot obey.
printf 'name = "%s"\nmemory = 16\nkernel = "%s"\n' "$t-c" "$D/usr/lib/splitvisor/bin/guest" >"$D/c.cfg"
"$BIN/xl" create "$D/c.cfg" >/dev/null
c=$("$BIN/xl" domid "$t-c")
run_unit splitvisor-domains.service ExecStop SPLITVISOR_SHUTDOWN_TIMEOUT=10 >"$D/stop.out" ||
    fail "stop failed: $(cat "$D/stop.out")"
for d in "$c:$t-c" "$b:$t-b" "$a:$t-a"; do
    grep -q "domain ${d%%:*} (${d#*:}) shut down: exit status 0" "$log" ||
        fail "${d#*:} did not shut down cleanly: $(grep "(${d#*:})" "$log")"
done
order=$(sed -n "s/.*domain [0-9]* ($t-\([abc]\)) shut down.*/\1/p" "$log" | tr -d '\n')
[ "$order" = cba ] || fail "shut down in the order $order, want cba"
[ "$("$BIN/xl" list | wc -l)" -eq 2 ] || fail "domains left: $("$BIN/xl" list)"
pass "ExecStop shuts every domain down cleanly: the hand-made one, then auto/'s in reverse"

"$BIN/xl" create -p "$D/c.cfg" >/dev/null
run_unit splitvisor-domains.service ExecStop SPLITVISOR_SHUTDOWN_TIMEOUT=1 >"$D/stop.out" &&
    fail "a domain that did not shut down passed"
grep -q "$t-c did not shut down within 1s: destroyed" "$D/stop.out" || fail "$(cat "$D/stop.out")"
"$BIN/xl" domid "$t-c" >/dev/null 2>&1 && fail "$t-c was left running"
pass "a domain that does not shut down in time is destroyed, named, and the stop fails"

run_unit splitvisor.service ExecStop >/dev/null || fail "splitvisor.service did not stop"
"$BIN/splitvisor" status >/dev/null && fail "still running"
pass "splitvisor.service's ExecStop stops the host"

make -C "$top" -s VARIANT=$variant uninstall DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1 ||
    fail "make uninstall"
left=$(cd "$D" && find usr etc -not -type d | sort | tr '\n' ' ')
[ "$left" = "etc/splitvisor/auto/10-a.cfg etc/splitvisor/auto/20-b.cfg etc/splitvisor/host.cfg etc/splitvisor/$t-u.cfg " ] ||
    fail "make uninstall left: $left"
pass "make uninstall removes everything but the operator's host.cfg and descriptions"
