#!/usr/bin/env bash
# A domain running its own code against the hypervisor (tests/domains/
# hvhostile.c) cannot take it down or freeze it: after each attack the
# hypervisor still runs, a bystander domain still runs, and dom0's `xl list`
# answers within a second.
#  - seals: every memfd handed to a domain is sealed at its size and against
#    further seals; truncating the grant table or shared_info used to SIGBUS
#    the hypervisor at the next grant or event call.
#  - passfd: a domain passes a TCP socket whose last close blocks for 20 s
#    with a hypercall; domains' channels refuse descriptors (SO_PASSRIGHTS),
#    where the hypervisor used to close it on its loop, frozen for 20 s.
#  - pirq-close: the owner of a VF closes a vector's port, then opens the
#    function again: refused, where it used to get the hypervisor's fd 0.
#  - leader-exit: a mapper whose main thread exited (its /proc/PID/maps and
#    fd read empty) claims an unmap while another thread still maps the
#    page: not believed, the granter cannot end access.
#  - parked: a mapper leaves a map reply unread (peeking at it for the
#    handle), claims the unmap on another channel, or has its channel
#    dropped, then reads the reply and maps the page: the grant stays pinned,
#    where the hypervisor used to believe the unmap (no mapping, no fd in
#    /proc) and let the granter end access.
#  - race: a thread moves the mapping (mremap) or the fd (dup2) of a
#    mapped frame back and forth while the main thread claims the unmap:
#    never believed (it was within a few tries when the proof read /proc
#    with the domain running).
#  - unlock: a mapper tries to drop the lock on its mapping's fd that the
#    hypervisor's unmap check reads (F_OFD_SETLK F_UNLCK), then claims the
#    unmap while mapping the page: refused by seccomp, the unmap not
#    believed, the granter cannot end access.
#  - map-batch: 300 unmaps in one call, and a channel holding 300 mappings
#    closed: every one believed (xl info's unmap_refused unchanged), none
#    left mapped.
source "$(dirname "$0")/lib.sh"
require_root
sv_start --nic "--wire none --vfs 1"
t=$SV_TEST_TAG
VF=0000:03:10.0

# The hypervisor, the bystander and dom0's tools are all fine, at once.
bystander=$(sv_create "$t-by" sleep)
wait_console "$bystander" SLEEPING >/dev/null
all_well() {
    "$BIN/splitvisor" status >/dev/null || fail "the hypervisor died ($1)"
    xl_quick list
    [ "$(domain_state "$bystander")" = "-b----" ] ||
        fail "the bystander is $(domain_state "$bystander") ($1)"
}

s=$(sv_hvhostile "$t-seals" "" seals)
wait_console "$s" "^SEALS " >/dev/null
console_of "$s" | grep "^SEAL "
wait_console "$s" "^SEALS held$" 1 >/dev/null
sleep 0.2
all_well seals
[ "$(domain_state "$s")" = "-b----" ] || fail "the sealing domain is $(domain_state "$s")"
pass "no memfd a domain holds can be resized or sealed further; the hypervisor lives on"

p=$(sv_hvhostile "$t-passfd" "" passfd)
ip -n "sv-$t-passfd" link set lo up
wait_console "$p" "^PASSFD done$" >/dev/null
console_of "$p" | grep "^PASSFD"
all_well passfd
[ "$(console_of "$p" | grep -c "^PASSFD refused: Operation not permitted$")" = 2 ] ||
    fail "a domain channel took a descriptor"
pass "a domain cannot pass descriptors to the hypervisor, nor freeze it with one"

"$BIN/xl" pci-assignable-add "$VF"
q=$(sv_hvhostile "$t-pirq" "pci = [ \"$VF\" ]" pirq-close "$VF")
wait_console "$q" "^PCI open nvec=" >/dev/null
wait_console "$q" "^PCI reopen" >/dev/null
sleep 0.2
console_of "$q" | grep "^PCI"
wait_console "$q" "^PCI reopen refused: No such file or directory$" 1 >/dev/null
all_well pirq-close
pass "a function whose vector port its owner closed does not open (no stale descriptor)"

next_domid() { echo $(($("$BIN/xl" list | awk 'NR > 1 {print $2}' | sort -n | tail -1) + 1)); }
lg=$(sv_create "$t-lgranter" share-held "$(($(next_domid) + 1))")
lref=$(wait_console "$lg" READY | sed 's/.*ref=//')
lm=$(sv_hvhostile "$t-leader" "" leader-exit "$lg" "$lref")
wait_console "$lm" "^UNMAP " >/dev/null
wait_console "$lm" "^UNMAP refused while mapped" 1
wait_console "$lg" "^UNSHARE busy while mapped$" >/dev/null
sleep 0.3
console_of "$lg" | grep -q "^UNSHARE ok" && fail "the granter ended access while the page was mapped"
all_well leader-exit
pass "a mapper whose leader thread exited cannot have an unmap believed"

ug=$(sv_create "$t-ugranter" share-held "$(($(next_domid) + 1))")
uref=$(wait_console "$ug" READY | sed 's/.*ref=//')
um=$(sv_hvhostile "$t-unlock" "" unlock "$ug" "$uref")
wait_console "$um" "^UNLOCK unmap " >/dev/null
console_of "$um" | grep "^UNLOCK"
[ "$(console_of "$um" | grep -c "^UNLOCK setlk refused: Operation not permitted$")" = 2 ] ||
    fail "a domain could drop the lock that shows its mapping held"
console_of "$um" | grep -q "^UNLOCK unmap believed" && fail "an unmap was believed while the page was mapped (unlock)"
wait_console "$ug" "^UNSHARE busy while mapped$" >/dev/null
sleep 0.3
console_of "$ug" | grep -q "^UNSHARE ok" && fail "the granter ended access while the page was mapped (unlock)"
all_well unlock
pass "a mapper cannot drop the lock that shows its mapping held"

# A map reply left unread holds its fd in a socket.
for how in drop unmap; do
    pg=$(sv_create "$t-pg$how" share-held "$(($(next_domid) + 1))")
    pref=$(wait_console "$pg" READY | sed 's/.*ref=//')
    pm=$(sv_hvhostile "$t-park$how" "" parked "$pg" "$pref" "$how")
    wait_console "$pm" "^PARKED " >/dev/null
    console_of "$pm" | grep "^PARKED"
    console_of "$pm" | grep -q "^PARKED unmap believed" && fail "an unmap was believed while its fd sat in an unread reply"
    wait_console "$pg" "^UNSHARE " >/dev/null
    sleep 0.3
    console_of "$pg" | grep "^UNSHARE"
    console_of "$pg" | grep -q "^UNSHARE ok" && fail "the granter ended access to a page mapped from a parked reply ($how)"
    all_well "parked-$how"
done
pass "a map reply left unread keeps its grant pinned (unmap elsewhere, channel dropped)"

# A mapper moving its mapping or its fd while the hypervisor reads its /proc.
rg=$(sv_hvhostile "$t-rgranter" "" share-n "$(($(next_domid) + 1))" 2)
rfirst=$(wait_console "$rg" "^REFS " | sed 's/^REFS \([0-9]*\)\..*/\1/')
rm_=$(sv_hvhostile "$t-race" "" race "$rg" "$rfirst")
wait_console "$rm_" "^RACE done$" 15 >/dev/null
console_of "$rm_" | grep "^RACE"
console_of "$rm_" | grep -q "^RACE .* believed" && fail "an unmap was believed while the page was mapped or held (moving)"
all_well race
pass "a mapper moving its mapping (mremap) or its fd (dup2) during the scan cannot have an unmap believed"

info() { "$BIN/xl" info | awk -v k="$1" '$1 == k {print $3}'; }
bg=$(sv_hvhostile "$t-bgranter" "" share-n "$(($(next_domid) + 1))" 300)
first=$(wait_console "$bg" "^REFS " | sed 's/^REFS \([0-9]*\)\..*/\1/')
before=$(info unmap_refused)
maps=$(info grant_maps)
bm=$(sv_hvhostile "$t-batch" "" map-batch "$bg" "$first" 300)
wait_console "$bm" "^BATCH unmapped 300, released$" >/dev/null
sleep 0.3
after=$(info unmap_refused)
[ "$after" = "$before" ] || fail "$((after - before)) of 300 honest unmaps were not believed"
# xenstored maps the new domain's ring; the batch left nothing mapped.
[ "$(info grant_maps)" = $((maps + 1)) ] || fail "mappings left: $(info grant_maps), $maps before"
all_well map-batch
pass "a batch of unmaps, and a closed channel's mappings, are all believed"
