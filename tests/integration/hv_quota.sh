#!/usr/bin/env bash
# Quotas on what a domain makes the hypervisor hold (docs/architecture.md).
# The hypervisor runs with 4096 fds, so its budget for domains is 3584.
#  - Xen's per-domain limits from the description: max_event_channels,
#    max_grant_frames (shareable frames), max_maptrack_frames (mappings)
#    stop a domain at them, with Xen's errors (ENOSPC, GNTST_no_space);
#  - a domain sharing frames without those limits is stopped by the budget
#    (ENOSPC), not by the hypervisor running out of fds: dom0's xl list,
#    xl destroy and a create that is refused all answer within a second,
#    and once the hog is gone a domain can be created again;
#  - a shared frame costs the hypervisor an fd and no mapping: its
#    /proc/PID/maps does not grow with the frames the hog shares;
#  - with every fd taken by dom0 connections, the control socket pauses
#    instead of spinning on EMFILE, and answers once they close.
source "$(dirname "$0")/lib.sh"
require_root
sv_start --no-nic --max-fds 4096
t=$SV_TEST_TAG
hvpid=$(cat "$SPLITVISOR_RUNDIR/splitvisor.pid")

by=$(sv_create "$t-by" sleep)
wait_console "$by" SLEEPING >/dev/null

p=$(sv_hvhostile "$t-ports" "max_event_channels = 40" ports-max)
wait_console "$p" "^PORTS 39: No space left on device$" # port 1 is its xenstore port
g=$(sv_hvhostile "$t-grants" "max_grant_frames = 1" share-max)
wait_console "$g" "^SHARED 504: No space left on device$" # 512 grants, 8 reserved
ref=$(wait_console "$(sv_create "$t-granter" share-held 5)" READY | sed 's/.*ref=//')
m=$(sv_hvhostile "$t-maps" "max_maptrack_frames = 1" maps-max 4 "$ref")
[ "$m" = 5 ] || fail "expected the mapper to be domain 5, got $m"
wait_console "$m" "^MAPS 256: -13$" # GNTST_no_space
pass "max_event_channels, max_grant_frames and max_maptrack_frames hold"

maps=$(wc -l <"/proc/$hvpid/maps")
h=$(sv_hvhostile "$t-hog" "" share-max)
line=$(wait_console "$h" "^SHARED [0-9]+: No space left on device$" 20)
n=$(sed "s/^SHARED \([0-9]*\):.*/\1/" <<<"$line")
grown=$(($(wc -l <"/proc/$hvpid/maps") - maps))
# The hog's shared_info and grant table are two; a frame would be one more each.
[ "$grown" -lt 64 ] || fail "the hypervisor's mappings grew by $grown for $n frames shared"
[ "$n" -gt 1000 ] && [ "$n" -lt 3584 ] || fail "the hog shared $n frames"
fds=$(ls "/proc/$hvpid/fd" | wc -l)
[ "$fds" -lt $((4096 - 256)) ] || fail "the hypervisor holds $fds of its 4096 fds"
"$BIN/xl" dmesg | grep -q "dom$h: .* frames refused: the domains' budget of hypervisor fds is spent" ||
    fail "the hypervisor did not say which limit refused the hog's frames"
xl_quick list
[ "$(domain_state "$by")" = "-b----" ] || fail "the bystander is $(domain_state "$by")"
quota=$("$BIN/xl" info | awk '$1 == "domain_quota" {print $3, $5}')
[ "${quota#* }" = 3584 ] && [ $((3584 - ${quota% *})) -lt 24 ] || fail "xl info: domain_quota $quota"
start=$(date +%s%N)
err=$("$BIN/xl" create "$(sv_cfg "$t-late" sleep)" 2>&1) && fail "created a domain past the budget"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 1000 ] || fail "a refused create took $ms ms"
grep -q "No space left on device" <<<"$err" || fail "unclear error: $err"
xl_quick destroy "$h"
late=$(sv_create "$t-late" sleep)
wait_console "$late" SLEEPING >/dev/null
pass "a domain sharing frames without end is stopped at the budget ($n frames, $fds fds held, $grown more mappings); dom0 is served"

# Every fd taken by dom0 connections that are never answered.
python3 - "$SPLITVISOR_RUNDIR/control.sock" "$hvpid" <<'PY' || fail "the hypervisor spun on EMFILE"
import os, resource, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
# Connect until the backlog stays full for half a second: the hypervisor
# no longer accepts (EMFILE).
socks, refused = [], 0
while len(socks) < 8000 and refused < 10:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
        socks.append(s)
        refused = 0
    except BlockingIOError:
        s.close()
        refused += 1
        time.sleep(0.05)
def cpu():
    f = open("/proc/%s/stat" % sys.argv[2]).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
time.sleep(0.3)
before = cpu()
time.sleep(2)
ticks = cpu() - before
print("connections %d, hypervisor CPU in 2 s: %d ticks" % (len(socks), ticks))
sys.exit(0 if ticks < 20 else 1)
PY
sleep 0.3
xl_quick list
"$BIN/xl" dmesg | grep -q "control socket: cannot accept; pausing 100 ms" || fail "no pause in xl dmesg"
pass "out of fds, the control socket pauses instead of spinning, and answers again"
