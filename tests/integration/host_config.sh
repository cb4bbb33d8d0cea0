#!/usr/bin/env bash
# splitvisor start --config: the host config file's nic lines start one xnic
# each beside --nic ones (NIC n's PF on bus 03 + n); a bad line stops the
# start with its file and line, before anything runs.
source "$(dirname "$0")/lib.sh"
require_root
cfg=$(mktemp /tmp/sv-test-host.XXXXXX)
sv_on_exit "rm -f '$cfg'"
trap sv_cleanup EXIT # sv_start sets it too; the config goes even if we fail before

printf '# a typo\nnics = "--wire none"\n' >"$cfg"
err=$(SPLITVISOR_RUNDIR=$(dirname "$cfg")/none "$BIN/splitvisor" start --config "$cfg" 2>&1) \
    && fail "started with a bad host config"
grep -q "$cfg:2: expected nic = " <<<"$err" || fail "unclear error: $err"
pass "a bad host config line is reported with its place"

cat >"$cfg" <<'CFG'
# the NICs of this host
nic = "--wire none --vfs 1"

nic = '--wire none --vfs 2 --pools 4'   # a smaller one
CFG
# A comment longer than any buffer is still one line.
printf '# %0800d\n' 0 >>"$cfg"
sv_start --config "$cfg" --nic "--wire none --vfs 3"
for bdf in 0000:03:00.0 0000:03:10.0 0000:04:10.1 0000:05:10.2; do
    "$BIN/xl" pci-assignable-add "$bdf" || fail "no function $bdf"
done
"$BIN/xl" pci-assignable-add 0000:03:10.1 2>/dev/null && fail "NIC 0 has one VF only"
grep -q "NIC 1: 3 functions (PF 0000:04:00.0), --wire none --vfs 2 --pools 4" \
    "$SPLITVISOR_RUNDIR/splitvisor.log" || fail "NIC 1: $(grep NIC "$SPLITVISOR_RUNDIR/splitvisor.log")"
[ "$(pgrep -c -P "$(cat "$SPLITVISOR_RUNDIR/splitvisor.pid")" -x xnic)" = 3 ] \
    || fail "expected 3 xnic processes"
pass "one xnic per nic line and --nic, in order"
