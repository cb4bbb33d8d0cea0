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
