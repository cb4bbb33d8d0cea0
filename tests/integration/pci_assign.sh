#!/usr/bin/env bash
# PCI assignment and the IOMMU: functions start with the host, become
# assignable, go to one domain at a time (from the description's pci list),
# the owner drives its function with rings and buffers in its own RAM, a DMA
# outside its IOMMU context is blocked and reported in xl dmesg, and the
# function comes back reset when the owner is destroyed or dies.  Bad
# assignments fail clearly and leave nothing behind.
source "$(dirname "$0")/lib.sh"
require_root
sv_start --nic "--wire none --vfs 2"
t=$SV_TEST_TAG
rd=$SPLITVISOR_RUNDIR
PF=0000:03:00.0
VF=0000:03:10.0

[ -z "$("$BIN/xl" pci-assignable-list)" ] || fail "functions assignable before anyone said so"
nicdom_cfg() { # NAME BDF
    printf 'name = "%s"\nmemory = 32\nkernel = "%s"\nextra = "%s"\npci = [ "%s" ]\non_poweroff = "preserve"\n' \
        "$1" "$TESTBIN/nicdom" "$2" "$2" >"$rd/$1.cfg"
    echo "$rd/$1.cfg"
}

err=$("$BIN/xl" create "$(nicdom_cfg "$t-early" "$PF")" 2>&1) && fail "assigned a non-assignable function"
grep -q "$t-early.cfg:5: pci: $PF: not assignable" <<<"$err" || fail "unclear error: $err"
[ "$("$BIN/xl" list | wc -l)" = 2 ] || fail "a failed create left a domain"
ip netns list | grep -q "^sv-$t" && fail "a failed create left a namespace"
pass "a function the host has not given up cannot be assigned; nothing left behind"

"$BIN/xl" pci-assignable-add "$PF"
"$BIN/xl" pci-assignable-add "$VF"
"$BIN/xl" pci-assignable-list | grep -qx "$PF" || fail "PF not listed as assignable"
"$BIN/xl" create "$(nicdom_cfg "$t-owner" "$PF")" >/dev/null
d=$("$BIN/xl" domid "$t-owner")
wait_console "$d" "^OPEN queues=32" # 16 pools of 2 queue pairs (the default)
wait_console "$d" "^TX ram ok$"
wait_console "$d" "^TX outside RAM blocked"
"$BIN/xl" dmesg | grep -q "IOMMU fault: 03:00.0 read iova 0x3f00000000: not mapped" \
    || fail "no fault in xl dmesg: $("$BIN/xl" dmesg | tail -5)"
"$BIN/xl" pci-list "$d" | grep -q "$PF" || fail "pci-list: $("$BIN/xl" pci-list "$d")"
"$BIN/xl" pci-assignable-list | grep -qx "$PF" && fail "an owned function is still listed free"
pass "owner drives its function from its RAM; a DMA outside it is blocked and logged"

err=$("$BIN/xl" create "$(nicdom_cfg "$t-thief" "$PF")" 2>&1) && fail "one function, two owners"
grep -q "assigned to a domain" <<<"$err" || fail "unclear error: $err"
"$BIN/xl" domid "$t-thief" 2>/dev/null && fail "the refused domain was left behind"
# A free function listed before the owned one is not taken either.
printf 'name = "%s"\nkernel = "%s"\nextra = "%s"\npci = [ "%s", "%s" ]\n' \
    "$t-greedy" "$TESTBIN/nicdom" "$VF" "$VF" "$PF" >"$rd/greedy.cfg"
"$BIN/xl" create "$rd/greedy.cfg" >/dev/null 2>&1 && fail "one function, two owners"
"$BIN/xl" pci-assignable-list | grep -qx "$VF" || fail "a failed create kept $VF"
"$BIN/xl" pci-assignable-remove "$PF" 2>/dev/null && fail "took an owned function back to the host"
pass "one owner at a time"

"$BIN/xl" create "$(nicdom_cfg "$t-vf" "$VF")" >/dev/null
v=$("$BIN/xl" domid "$t-vf")
wait_console "$v" "^OPEN queues=1 "
wait_console "$v" "^TX ram ok$"
pass "a VF assigned to another domain works beside the PF"

# A grant the owner maps for its device is DMA-able at its bus address, until unmapped.
# Domain ids are handed out in turn (a refused create takes none): the
# granter will be v+1 and the device owner it grants to v+2.
dma=$((v + 2))
g=$(sv_create "$t-granter" share "$dma")
ref=$(wait_console "$g" READY | sed 's/.*ref=\([0-9]*\).*/\1/')
printf 'name = "%s"\nmemory = 32\nkernel = "%s"\nextra = "%s %s %s"\npci = [ "%s" ]\n' \
    "$t-dma" "$TESTBIN/nicdom" "$VF" "$g" "$ref" "$VF" >"$rd/dma.cfg"
"$BIN/xl" pci-detach "$v" "$VF"
"$BIN/xl" create "$rd/dma.cfg" >/dev/null
[ "$("$BIN/xl" domid "$t-dma")" = "$dma" ] || fail "expected the DMA domain to be $dma"
wait_console "$dma" "^TX grant ok"
wait_console "$dma" "^TX unmapped grant blocked$"
wait_console "$dma" "^ro device map: write-back blocked$"
wait_console "$dma" "^rw device map: write-back ok$"
"$BIN/xl" dmesg | grep -Eq "IOMMU fault: 03:10.0 write iova 0x1[0-9a-f]+: permission" \
    || fail "no write fault in xl dmesg: $("$BIN/xl" dmesg | tail -5)"
"$BIN/xl" destroy "$dma"
pass "device-mapped grant: DMA at dev_bus_addr, written only through a writable device mapping, blocked once unmapped"

# A grant device-mapped before the function is assigned is in its context too
# (the granter will be dma+1, the domain it grants to dma+2).
late=$((dma + 2))
g=$(sv_create "$t-granter2" share "$late")
ref=$(wait_console "$g" READY | sed 's/.*ref=\([0-9]*\).*/\1/')
printf 'name = "%s"\nmemory = 32\nkernel = "%s"\nextra = "late %s %s %s"\n' \
    "$t-late" "$TESTBIN/nicdom" "$VF" "$g" "$ref" >"$rd/late.cfg"
"$BIN/xl" create "$rd/late.cfg" >/dev/null
[ "$("$BIN/xl" domid "$t-late")" = "$late" ] || fail "expected the late domain to be $late"
wait_console "$late" "^MAPPED"
"$BIN/xl" pci-attach "$late" "$VF"
wait_console "$late" "^TX early grant ok$"
"$BIN/xl" destroy "$late"
"$BIN/xl" pci-attach "$v" "$VF"
pass "a grant device-mapped before the assignment is DMA-able once assigned"

"$BIN/xl" destroy "$d"
"$BIN/xl" pci-assignable-list | grep -qx "$PF" || fail "PF not back after its owner was destroyed"
grep -q "0000:03:00.0: reset and taken back from domain $d" "$rd/splitvisor.log" || fail "no reset logged"
"$BIN/xl" pci-detach "$v" "$VF"
"$BIN/xl" pci-list "$v" | grep -q "$VF" && fail "pci-detach left the VF attached"
"$BIN/xl" list -l "$v" | grep -q "\"bdf\": \"$VF\"" && fail "list -l still shows the detached VF"
"$BIN/xl" pci-attach "$v" "${VF#0000:}" # the short form, as xl takes it
"$BIN/xl" pci-list "$v" | grep -q "$VF" || fail "pci-attach did not attach"
"$BIN/xl" dumpxml "$v" | grep -q "bus=\"0x03\" slot=\"0x10\" function=\"0x0\"" ||
    fail "dumpxml does not show the hot-plugged VF: $("$BIN/xl" dumpxml "$v")"
pass "destroy and pci-detach reset the function and give it back; pci-attach hot-plugs; list -l and dumpxml follow"

err=$("$BIN/xl" pci-attach "$v" 0000:09:00.0 2>&1) && fail "attached a function that does not exist"
grep -q "no such PCI function" <<<"$err" || fail "unclear error: $err"
err=$("$BIN/xl" pci-detach "$v" "$PF" 2>&1) && fail "detached a function the domain does not own"
grep -q "not assigned to that domain" <<<"$err" || fail "unclear error: $err"
"$BIN/xl" pci-assignable-remove "$PF"
"$BIN/xl" pci-assignable-list | grep -qx "$PF" && fail "pci-assignable-remove left the PF listed"
err=$("$BIN/xl" pci-attach "$v" "$PF" 2>&1) && fail "attached a function the host took back"
grep -q "not assignable" <<<"$err" || fail "unclear error: $err"
pass "pci-assignable-remove gives a free function back to the host; bad BDFs fail clearly"

# Owner death (its process killed, not destroyed): the function is reset and back.
kill -9 "$(domain_pid "$t-vf")"
for _ in $(seq 100); do
    grep -q "0000:03:10.0: reset and taken back from domain $v" "$rd/splitvisor.log" && break
    sleep 0.05
done
grep -q "0000:03:10.0: reset and taken back from domain $v" "$rd/splitvisor.log" || fail "no reset at owner death"
"$BIN/xl" pci-assignable-list | grep -qx "$VF" || fail "VF not back after its owner died"
pass "a function whose owner dies is reset and back with the host"
