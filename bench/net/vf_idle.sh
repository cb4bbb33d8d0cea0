#!/usr/bin/env bash
# CPU an idle VF costs: guest a drives a VF (vf0, nothing sent on it) on a
# fresh system; after 2 s, the CPU time the guest's and the NIC model's
# processes use over 5 s.  A driver that polls or loops shows here (the VF
# driver's mailbox loop did: docs/benchmarks.md).
# Usage: bench/net/vf_idle.sh   (root, after make && make tests; run it
# again for more rounds).  SV_BUILD=DIR measures another build (its bin/
# and tests/bin/), so two builds can be run alternately in one session.
source "$(dirname "$0")/../../tests/integration/lib.sh"
require_root
vf=0000:03:10.0
echo "bench/net/vf_idle: $SV_BUILD, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
sv_start --nic "--vfs 2"
sv_netdd "$SV_TEST_TAG-dd" >/dev/null
"$BIN/xl" pci-assignable-add $vf
printf 'name = "%s"\nmemory = 64\nkernel = "%s"\npci = [ "%s,mac=00:16:3e:5f:0c:01" ]\n' \
    "$SV_TEST_TAG-a" "$BIN/guest" "$vf" >"$SPLITVISOR_RUNDIR/a.cfg"
"$BIN/xl" create "$SPLITVISOR_RUNDIR/a.cfg" >/dev/null
wait_console "$("$BIN/xl" domid "$SV_TEST_TAG-a")" "VF $vf: vf0 up" >/dev/null
sleep 2
guest=$(domain_pid "$SV_TEST_TAG-a")
nic=$(pgrep -f "xnic.*$SPLITVISOR_RUNDIR" | head -1)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime
g0=$(ticks "$guest") n0=$(ticks "$nic")
sleep 5
g1=$(ticks "$guest") n1=$(ticks "$nic")
hz=$(getconf CLK_TCK)
echo "guest $(((g1 - g0) * 1000 / hz)) ms, NIC $(((n1 - n0) * 1000 / hz)) ms of CPU in 5 s"
