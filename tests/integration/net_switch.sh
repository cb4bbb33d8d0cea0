#!/usr/bin/env bash
# More vifs than VMDq pools: the NIC has 2 pools (the default pool 0 and one
# more), so the first vif to connect gets pool 1 and the others share the default
# pool through netdd's software switch.  Every pair still talks: pool to
# switch (through the NIC), switch to switch (inside netdd), and xl
# network-list says which vif is where, with counters.
source "$(dirname "$0")/lib.sh"
require_root
t=$SV_TEST_TAG
sv_start --nic "--wire none --pools 2 --vfs 0"

sv_netdd "$t-dd" >/dev/null
sv_guest "$t-a" "$t-dd" 10.14.0.2/24 >/dev/null
sv_guest "$t-b" "$t-dd" 10.14.0.3/24 >/dev/null
sv_guest "$t-c" "$t-dd" 10.14.0.4/24 >/dev/null
wait_ping "$t-a" 10.14.0.3
wait_ping "$t-b" 10.14.0.4
wait_ping "$t-c" 10.14.0.2
pass "pool to switch, switch to switch, switch to pool: all ping"

sleep 1.5 # the switch publishes its counters every second
# Pools go to vifs in the order their frontends connect, which the test does
# not control: any one of the three may hold pool 1.
on_pool=0 on_switch=0
for g in "$t-a" "$t-b" "$t-c"; do
    line=$("$BIN/xl" network-list "$g" | awk 'NR == 2')
    if grep -q "pool 1 of" <<<"$line"; then
        on_pool=$((on_pool + 1))
    elif grep -Eq "software switch rx [1-9][0-9]* tx [1-9]" <<<"$line"; then
        on_switch=$((on_switch + 1))
    else
        fail "$g: $line"
    fi
done
[ "$on_pool" -eq 1 ] && [ "$on_switch" -eq 2 ] || fail "$on_pool vifs on pool 1, $on_switch on the switch"
pass "xl network-list: one vif on pool 1, two on the software switch, with counters"
