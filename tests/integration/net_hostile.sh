#!/usr/bin/env bash
# A hostile frontend is disconnected while another guest's traffic goes on.
# netdd serves two good guests that ping each other all along; for each mode
# of tests/domains/badfront.c a badfront domain connects a vif to the same
# netdd, sends one good frame, then misbehaves:
#  - a protocol violation on the rings: its vif's backend must go to Closed
#    with netdd logging the reason, and every grant of the bad frontend must
#    be released (it can end them all);
#  - a lie in the handshake: netdd refuses to connect, releasing all grants;
#  - load without a violation (event flood, never taking a frame, 40
#    reconnects): the vif stays up and the good guests must not notice:
#    their pings' round trips, and TCP between two more guests measured
#    beside a run with no attack (tcp_ratio); the CPU the host's daemons
#    (netdd, xenstored, the hypervisor, xnic) and the attacker used
#    meanwhile is printed, and cpu-burn, a guest that only spins, is the
#    control: what an attacker's own CPU costs the others on this host.
# Each time netdd must live on (same process, no sanitizer report) and the
# good guests must still ping each other; then the bad domain is destroyed.
#
# SV_HOSTILE_NIC: the NIC's arguments (net_hostile_slow_nic.sh gives it a
# firmware that takes its time over admin commands).
source "$(dirname "$0")/lib.sh"
require_root
sv_start --nic "${SV_HOSTILE_NIC:---wire none}"
t=$SV_TEST_TAG
rd=$SPLITVISOR_RUNDIR
PF=0000:03:00.0
NETDD=$t-nd
NETIF_RSP_DROPPED=-2   # xen/io/netif.h
NETIF_TX_RING_SIZE=256 # a page of requests

# What netdd says for each mode (backends/netback_ring.c's reasons).
declare -A reason=(
    [bad-index]="TX producer index more than a ring ahead"
    [oversize]="TX slots larger than the frame"
    [cross-page]="TX slot crosses its page"
    [bad-ref]="TX copy from a bad grant"
    [slot-flood]="TX packet uses too many slots"
    [unknown-extra]="TX extra-info of unknown type"
    [bad-gso]="TX GSO extra of unknown GSO type"
    [rx-bad-ref]="RX copy to a bad grant"
    [rx-bad-index]="RX producer index more than a ring ahead"
    [reply-storm]="RX copy to a bad grant"
    [ring-as-buffer]="TX copy from a bad grant"
    [double-map]="TX producer index more than a ring ahead"
)
# What a mode needs besides its name: reply-storm draws ARP replies from g1.
declare -A args=([reply-storm]="00:16:3e:5f:01:02 10.0.0.2")
# SV_HOSTILE_MODES="a b": only those (while working on one).
all_modes="bad-index oversize cross-page bad-ref slot-flood unknown-extra bad-gso rx-bad-ref
    rx-bad-index ring-as-buffer double-map reply-storm tiny-mss notify-flood tx-storm xs-storm
    state-flap ctrl-flood unmap-storm bcast-storm cpu-burn rx-stall reconnect-flood bad-ring-ref
    bad-evtchn too-many-queues bad-ctrl-ref"
# shellcheck disable=SC2206 # words, no globs
modes=(${SV_HOSTILE_MODES:-$all_modes})

bgping=""
cleanup() {
    local rc=$?
    set +e
    [ -n "$bgping" ] && kill "$bgping" 2>/dev/null
    (exit $rc)
    sv_cleanup
}
trap cleanup EXIT

# dom_cfg NAME KERNEL EXTRA [LINES...] -> the path of its xl.cfg
dom_cfg() {
    local name=$1 kernel=$2 extra=$3
    shift 3
    printf '%s\n' "name = \"$name\"" "memory = 64" "vcpus = 1" "kernel = \"$kernel\"" \
        "extra = \"$extra\"" 'on_poweroff = "preserve"' 'on_crash = "preserve"' "$@" \
        >"$rd/$name.cfg"
    echo "$rd/$name.cfg"
}

# guest_vif INDEX -> the vif line of a domain at 10.0.0.INDEX served by netdd
guest_vif() {
    printf "vif = [ 'mac=00:16:3e:5f:01:%02x,backend=%s,ip=10.0.0.%d/24' ]" "$1" "$NETDD" "$1"
}

create() { # NAME KERNEL EXTRA [LINES...] -> domid
    "$BIN/xl" create "$(dom_cfg "$@")" >/dev/null
    "$BIN/xl" domid "$1"
}

pings() { # FROM-DOMAIN TO-IP: true when one ping goes through
    "$BIN/xl" exec "$1" -- ping -c 1 -W 1 "$2" >/dev/null 2>&1
}

netdd_alive() {
    kill -0 "$ndpid" 2>/dev/null || fail "netdd's process $ndpid is gone"
    [ "$(domain_pid "$NETDD")" = "$ndpid" ] || fail "netdd is not process $ndpid any more"
    console_of "$nd" | grep -Eq "AddressSanitizer|runtime error|fatal" \
        && fail "netdd reported an error: $(console_of "$nd" | tail -20)"
    return 0
}

"$BIN/xl" pci-assignable-add "$PF"
nd=$(create "$NETDD" "$BIN/netdd" "" "driver_domain = 1" "pci = [ '$PF' ]")
wait_console "$nd" "^netdd up" >/dev/null
ndpid=$(domain_pid "$NETDD")
g1=$(create "$t-g1" "$BIN/guest" "" "$(guest_vif 2)")
g2=$(create "$t-g2" "$BIN/guest" "" "$(guest_vif 3)")
g3=$(create "$t-g3" "$BIN/guest" "" "$(guest_vif 4)")
g4=$(create "$t-g4" "$BIN/guest" "" "$(guest_vif 5)")
for g in "$g1" "$g2" "$g3" "$g4"; do wait_console "$g" "connected to" >/dev/null; done
for ((i = 0; i < 50; i++)); do pings "$t-g1" 10.0.0.3 && break; sleep 0.2; done
[ $i -lt 50 ] || fail "the good guests do not ping each other"
wait_ping "$t-g3" 10.0.0.5 || fail "the TCP guests do not ping each other"
"$BIN/xl" exec "$t-g4" -- iperf3 -s -D --logfile "$rd/iperf-g4.log"
pass "netdd serves two good guests that ping each other"

# The good guests' traffic all along, stopped (SIGINT: ping prints its summary) at the end.
"$BIN/xl" exec "$t-g1" -- ping -i 0.2 10.0.0.3 >"$rd/bgping.log" 2>&1 &
bgping=$!

# A protocol violation: the vif closes, netdd says why and unmaps everything.
closes() { # MODE DOMID INDEX
    local mode=$1 d=$2 i=$3
    wait_console "$d" "^MISBEHAVED $mode$" >/dev/null
    # The RX modes bite on a frame for the vif: the ARP for its address.
    [[ $mode == rx-* ]] && { pings "$t-g1" "10.0.0.$i" || true; }
    wait_console "$d" "^BACKEND CLOSED$" >/dev/null
    wait_console "$nd" "vif $d\\.0: frontend misbehaved \\(${reason[$mode]}\\)" >/dev/null
    wait_console "$d" "^UNSHARE (ok|busy)$" | grep -q ok \
        || fail "$mode: netdd still maps grants of the closed vif"
    echo "vif $d.0 closed (${reason[$mode]}), grants released"
}

# A lie in the handshake: netdd refuses to connect and keeps nothing mapped.
refused() { # MODE DOMID
    local mode=$1 d=$2
    wait_console "$d" "^BACKEND REFUSED$" >/dev/null
    wait_console "$d" "^BACKEND CLOSED$" >/dev/null
    wait_console "$nd" "vif $d\\.0: cannot connect" >/dev/null
    wait_console "$d" "^UNSHARE (ok|busy)$" | grep -q ok \
        || fail "$mode: netdd still maps grants of the refused vif"
    echo "vif $d.0 refused ($(console_of "$nd" | grep -o "vif $d\\.0: cannot connect.*" | head -1)), grants released"
}

# No violation, only load (12 s of it, between the lines START and END of the
# bad domain): the good guests must get through meanwhile, the median of
# their round trips (0.5 ms when idle; a backend serving one vif for as long
# as it queues makes it 50-400 ms) under MEDIAN_RTT_MS.  The median, since
# on a loaded 2-core machine a lone round trip may wait for a CPU.
MEDIAN_RTT_MS=20
survives_load() { # MODE DOMID START END
    local mode=$1 d=$2 out got median ratio rate
    wait_console "$d" "^$3$" >/dev/null
    out=$("$BIN/xl" exec "$t-g1" -- ping -c 10 -i 0.2 -W 1 10.0.0.3 || true)
    read -r ratio rate < <(tcp_ratio "$mode" "$d" "$4") || exit 1
    got=$(grep -c "bytes from" <<<"$out" || true)
    median=$(grep -o "time=[0-9.]*" <<<"$out" | cut -d= -f2 | sort -n | sed -n 5p)
    wait_console "$d" "^$4" >/dev/null
    [ "$got" -ge 8 ] || fail "$mode: the good guests got $got of 10 pings through"
    awk -v m="${median:-1e9}" -v lim=$MEDIAN_RTT_MS 'BEGIN { exit !(m < lim) }' \
        || fail "$mode: the good guests' median round trip was ${median:-?} ms ($(grep rtt <<<"$out"))"
    console_of "$nd" | grep -q "vif $d\\.0: frontend misbehaved" && fail "$mode closed the vif"
    echo "$(console_of "$d" | grep "^$4") meanwhile $got/10 pings between the good guests," \
        "median round trip $median ms ($(grep -o "rtt.*" <<<"$out")); then TCP $rate Mbit/s," \
        "$ratio of $base_tcp undisturbed"
}

# Load from the bad guest between the lines START and END of its console:
# g1 pings g2 300 times, every 10 ms, meanwhile; the 99th percentile of the
# round trips (a lost ping counts as too slow) must stay under P99_RTT_MS.
# Idle it is ~0.5 ms and the goal is 5 ms, but on this shared 2-core
# machine the p99 with no attack at all measured 9-23 ms (load average
# 7-10; printed first as "no attack"; 22-39 ms at load average 18-21
# with four guests), so the test asks for what an attack that stalls
# netdd cannot meet: under P99_RTT_MS, or at most P99_OVER_BASE_MS over
# the no-attack p99 of the same run.  Before their fixes, xs-storm left 0
# of 300 pings answered and state-flap made the p99 111 ms; state-flap
# against a NIC taking 50 ms per admin command (net_hostile_slow_nic),
# 575 ms, against 22.5 ms with no attack.
P99_RTT_MS=50
P99_OVER_BASE_MS=50
ping_p99() { # -> "P99 ANSWERED RTT-SUMMARY" of 300 pings g1 -> g2 every 10 ms
    local out got p99
    out=$("$BIN/xl" exec "$t-g1" -- ping -c 300 -i 0.01 -W 1 10.0.0.3 2>&1 || true)
    got=$(grep -c "bytes from" <<<"$out" || true)
    p99=$( (grep -o "time=[0-9.]*" <<<"$out" | cut -d= -f2; for ((k = got; k < 300; k++)); do echo 1e9; done) \
        | sort -g | sed -n 297p)
    echo "${p99:-1e9} $got $(grep -o "rtt.*" <<<"$out")"
}
# CPU time of the host daemons an attack can make work for it (netdd,
# xenstored, the hypervisor, the NIC model) and of the attacker itself:
# on two shared cores, every tick of theirs is the good guests'.
# cpu_snap PID... -> "TIME TICKS..." (user and system, all threads; a
# process gone reads 0); cpu_used SNAPSHOT NAME=PID... -> "NAME N% ..."
# of a CPU since the snapshot, and the seconds it covers.
cpu_snap() {
    local p out
    out=$(date +%s.%N)
    for p in "$@"; do out+=" $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)"; done
    echo "$out"
}
cpu_used() {
    local snap=$1 np pids=() names=()
    shift
    for np in "$@"; do
        names+=("${np%%=*}")
        pids+=("${np#*=}")
    done
    awk -v s0="$snap" -v s1="$(cpu_snap "${pids[@]}")" -v names="${names[*]}" \
        -v hz="$(getconf CLK_TCK)" 'BEGIN {
            n = split(s0, a, " "); split(s1, b, " "); split(names, nm, " ")
            for (i = 2; i <= n; i++)
                printf "%s %.0f%%, ", nm[i - 1], 100 * (b[i] - a[i]) / hz / (b[1] - a[1])
            printf "over %.1f s", b[1] - a[1] }'
}
hv_pid=$(cat "$rd/splitvisor.pid")
xsd_pid=$(cat "$rd/xenstored.pid")
nic_pid=$(pgrep -P "$hv_pid" -x xnic | head -1)
daemons=() # NAME=PID of each host daemon, once netdd runs
p99_under() { # MODE DOMID START END [LIMIT-MS]
    local mode=$1 d=$2 p99 got rtt lim=${5:-$P99_RTT_MS} ratio rate snap bad cpu
    lim=$(awk -v l="$lim" -v b="$base_p99" -v o=$P99_OVER_BASE_MS 'BEGIN {print (b + o > l) ? b + o : l}')
    wait_console "$d" "^$3" >/dev/null
    bad=$(domain_pid "$name")
    snap=$(cpu_snap "${daemons[@]#*=}" "$bad")
    read -r p99 got rtt < <(ping_p99)
    cpu=$(cpu_used "$snap" "${daemons[@]}" "attacker=$bad")
    read -r ratio rate < <(tcp_ratio "$mode" "$d" "$4") || exit 1
    wait_console "$d" "^$4" 30 >/dev/null
    awk -v p="${p99:-1e9}" -v lim="$lim" 'BEGIN { exit !(p < lim) }' \
        || fail "$mode: the good guests' p99 round trip was $p99 ms (no attack: $base_p99 ms," \
            "limit $lim ms)," \
            "$got/300 answered ($rtt)"
    echo "$(console_of "$d" | grep "^$4") meanwhile $got/300 pings between the good guests," \
        "p99 round trip $p99 ms, no attack $base_p99 ms ($rtt); CPU: $cpu;" \
        "then TCP $rate Mbit/s, $ratio of $base_tcp undisturbed"
}

# TCP between two other guests (g3 -> g4, iperf3 for TCP_SECONDS) after
# the pings of each load mode (the attack goes on: 12 s of it), against a
# run with no attack, as a ratio.  After, not beside: TCP alongside made
# the pings' p99 300 ms with no attack at all.  The goal is 0.8; this
# shared 2-core machine gives undisturbed runs that differ by more than
# that (the figures are printed, and recorded in docs/benchmarks.md), so
# the test asks for TCP_MIN_RATIO, which an attack that stalls netdd for
# seconds does not reach.  A rate marked * was measured partly after the
# attack ended (its END line came first).
#
# To measure rather than test (docs/benchmarks.md): SV_HOSTILE_TCP_SECONDS
# sets the runs' length, and SV_HOSTILE_PAIRED=1 takes each load mode's
# undisturbed run just before its attack instead of once at the start (on
# a shared machine the load moves more between the two than an attack).
# SV_HOSTILE_CAP=N caps each bad domain at N% of a CPU (xl sched-credit
# -c), as an admin caps a guest: what is left of an attack's cost to the
# others is then what it makes the host's daemons do.
TCP_SECONDS=${SV_HOSTILE_TCP_SECONDS:-2}
# How long a load mode's attack lasts (badfront's flood-ms): 12 s for the
# 2 s runs, longer for longer ones, so that TCP ends within the attack
# (the pings take 3-5 s first, more at load 15-20: a 5 s run against 12 s
# of attack ended after it in 6 of 7 state-flap runs at load 11-15, against
# 18 s in 4 of 17 at load 14-19, and measured the rest undisturbed).
FLOOD_MS=$((6000 + 3000 * TCP_SECONDS))
TCP_MIN_RATIO=0.25
LOAD_MODES="notify-flood tx-storm xs-storm state-flap ctrl-flood unmap-storm bcast-storm cpu-burn"
tcp_rate() { # MODE -> Mbit/s from g3 to g4 (a server runs there)
    local out rate
    out=$("$BIN/xl" exec "$t-g3" -- iperf3 -c 10.0.0.5 -t $TCP_SECONDS -f m 2>&1) \
        || fail "$1: no TCP between the other guests: $(tail -3 <<<"$out")"
    rate=$(awk '/receiver/ {rate = $(NF - 2)} END {print rate}' <<<"$out")
    [ -n "$rate" ] || fail "$1: iperf3 said: $(tail -3 <<<"$out")"
    echo "$rate"
}
tcp_ratio() { # MODE DOMID END -> "RATIO RATE[*]", failing under TCP_MIN_RATIO; * when
    local rate ratio # the attack had ended (its END line) before TCP did
    rate=$(tcp_rate "$1")
    ratio=$(awk -v r="$rate" -v b="$base_tcp" 'BEGIN {printf "%.2f", r / b}')
    awk -v x="$ratio" -v m=$TCP_MIN_RATIO 'BEGIN {exit !(x >= m)}' \
        || fail "$1: TCP between the other guests $rate Mbit/s, $ratio of $base_tcp undisturbed"
    console_of "$2" | grep -q "^$3" && rate="$rate*"
    echo "$ratio $rate"
}

# A broadcast storm gets no further than the vif's budget: 1000 frames a
# second (a burst of 256) over the storm's FLOOD_MS and a second more for
# its last round, and a ring of them queued when it ends.  netdd takes
# none past it: the frame at the head of the ring waits, and the guest
# spins on its full ring, at its own cost (before, netdd took and dropped
# up to 51 million in a storm).  The frames that had to wait count in its
# backend directory (mcast-held), which xl network-list shows.
MCAST_BUDGET_FRAMES=$((256 + FLOOD_MS + 1000 + NETIF_TX_RING_SIZE))
held_bcasts() { # DOMID -> what the counter said
    local d=$1 frames n
    frames=$(console_of "$d" | sed -n 's/^BCAST STORMED \([0-9]*\) frames$/\1/p')
    [ "$frames" -le $MCAST_BUDGET_FRAMES ] \
        || fail "bcast-storm: the guest queued $frames frames (the budget lets $MCAST_BUDGET_FRAMES)"
    sleep 1.5 # netdd publishes its counters every second
    n=$(XENSTORED_PATH=$rd/xenstored/socket \
        xenstore-read "/local/domain/$nd/backend/vif/$d/0/mcast-held") \
        || fail "bcast-storm: no mcast-held for the vif"
    [ "$n" -ge 1 ] && [ "$n" -le "$frames" ] || fail "bcast-storm: mcast-held $n of $frames frames"
    "$BIN/xl" network-list "$d" | grep -q "mcast-held $n" \
        || fail "bcast-storm: xl network-list does not show mcast-held $n: $("$BIN/xl" network-list "$d")"
    echo "; the guest queued $frames frames (the budget lets $MCAST_BUDGET_FRAMES), $n waited" \
        "(mcast-held, in xl network-list too)"
}

# A xenstore write storm gets no more than its domain's request rate (and
# burst) of xenstored's quotas over the storm's FLOOD_MS, and a second
# more for the storm's last round of writes; the rest waits in its ring:
# before, the guest wrote ~8000 a second, each costing xenstored and, for
# its state, netdd too.
xs_within_rate() { # DOMID
    local d=$1 writes rate burst most
    writes=$(console_of "$d" | sed -n 's/^XS STORMED \([0-9]*\) writes$/\1/p')
    read -r rate burst < <(XENSTORED_PATH=$rd/xenstored/socket xs_control quota |
        awk '/^request-rate/ {r = $3} /^request-burst/ {b = $3} END {print r, b}')
    most=$((burst + rate * (FLOOD_MS / 1000 + 1)))
    [ "$writes" -le "$most" ] \
        || fail "xs-storm: $writes writes, past the request rate's $most ($rate a second, burst $burst)"
    echo "; $writes writes, within the request rate's $most"
}

# A GSO packet with an MSS below Linux's minimum is dropped, not sent as
# 65,000 frames, and is no violation: the vif stays up.
survives_tiny_mss() { # DOMID
    local d=$1 line
    line=$(wait_console "$d" "^TINY MSS status=")
    [ "$line" = "TINY MSS status=$NETIF_RSP_DROPPED" ] || fail "tiny-mss: $line (want dropped, $NETIF_RSP_DROPPED)"
    console_of "$nd" | grep -q "vif $d\\.0: frontend misbehaved" && fail "tiny-mss closed the vif"
    echo "a GSO packet with MSS 1 answered dropped, the vif stays up"
}

# A vif that takes no frames: a broadcast storm fills its pool, not the others'.
survives_stall() { # DOMID
    local d=$1 sent got
    wait_console "$d" "^MISBEHAVED rx-stall$" >/dev/null
    sent=$("$BIN/xl" exec "$t-g1" -- ping -b -q -l 300 -c 600 -i 0.002 -w 2 10.0.0.255 2>&1 \
        | awk '/packets transmitted/ {print $1}' || true)
    [ "${sent:-0}" -ge 300 ] || fail "rx-stall: only ${sent:-no} broadcasts went out"
    got=$("$BIN/xl" exec "$t-g1" -- ping -c 5 -i 0.2 -W 1 10.0.0.3 | grep -c "bytes from" || true)
    [ "$got" -ge 4 ] || fail "rx-stall: the good guests got $got of 5 pings through"
    console_of "$nd" | grep -q "vif $d\\.0: frontend misbehaved" && fail "rx-stall closed the vif"
    echo "$sent broadcasts at a vif that takes none, meanwhile $got/5 pings between the good guests"
}

# RX buffers with a bad ref while g1's answers come in and the vif's TX
# ring keeps netdd out of NIC buffers: each round netdd closes the vif (from
# its loop, not from inside the TX loop that found the answer: that freed the
# vif under it, and crashed netdd within 6-9 rounds in each of 3 runs) and
# the bad frontend connects again, REPLY_STORM_ROUNDS times.
REPLY_STORM_ROUNDS=16 # tests/domains/badfront.c
survives_reply_storm() { # DOMID
    local d=$1 line closed n=$REPLY_STORM_ROUNDS
    line=$(wait_console "$d" "^REPLY STORM" 120)
    netdd_alive
    [[ $line == "REPLY STORM $n rounds" ]] || fail "reply-storm: $line; netdd: $(console_of "$nd" | tail -5)"
    closes reply-storm "$d" "" >/dev/null
    closed=$(console_of "$nd" | grep -c "vif $d\.0: frontend misbehaved (${reason[reply-storm]})" || true)
    [ "$closed" -eq "$n" ] || fail "reply-storm: netdd closed the vif $closed times in $n rounds"
    echo "$n rounds, the vif closed each time (${reason[reply-storm]}), grants released"
}

# Connecting over and over must not leak what a connection takes (pools, maps, ports).
survives_reconnects() { # DOMID
    local d=$1 line
    line=$(wait_console "$d" "^RECONNECT" 30)
    [[ $line == RECONNECTED* ]] || fail "reconnect-flood: $line; netdd: $(console_of "$nd" | tail -5)"
    echo "${line,,}, a good frame each time"
}

daemons=("netdd=$ndpid" "xenstored=$xsd_pid" "hypervisor=$hv_pid" "xnic=$nic_pid")
snap=$(cpu_snap "${daemons[@]#*=}")
read -r base_p99 got rtt < <(ping_p99)
cpu=$(cpu_used "$snap" "${daemons[@]}")
base_tcp=$(tcp_rate "no attack") || exit 1
pass "no attack: p99 round trip $base_p99 ms, $got/300 answered ($rtt); CPU: $cpu;" \
    "TCP $base_tcp Mbit/s"

i=10
for mode in "${modes[@]}"; do
    i=$((i + 1))
    name=$t-bad$i
    extra=$mode${args[$mode]:+ ${args[$mode]} 10.0.0.$i}
    [[ " $LOAD_MODES " == *" $mode "* ]] && extra="$extra flood-ms=$FLOOD_MS"
    if [ -n "${SV_HOSTILE_PAIRED:-}" ] && [[ " $LOAD_MODES " == *" $mode "* ]]; then
        base_tcp=$(tcp_rate "before $mode") || exit 1
    fi
    d=$(create "$name" "$TESTBIN/badfront" "$extra" "$(guest_vif $i)")
    # As an admin caps a guest (SV_HOSTILE_CAP=25: a quarter of a CPU).
    [ -z "${SV_HOSTILE_CAP:-}" ] || "$BIN/xl" sched-credit -d "$name" -c "$SV_HOSTILE_CAP"
    case $mode in
    bad-ring-ref | bad-evtchn | too-many-queues | bad-ctrl-ref) what=$(refused "$mode" "$d") ;;
    *)
        wait_console "$d" "^BACKEND CONNECTED$" >/dev/null
        wait_console "$d" "^GOOD TX status=0$" >/dev/null
        case $mode in
        notify-flood) what=$(survives_load "$mode" "$d" FLOODING FLOODED) ;;
        tx-storm) what=$(survives_load "$mode" "$d" STORMING STORMED) ;;
        xs-storm)
            what=$(p99_under "$mode" "$d" "XS STORMING" "XS STORMED")
            what+=$(xs_within_rate "$d")
            ;;
        state-flap) what=$(p99_under "$mode" "$d" FLAPPING FLAPPED) ;;
        ctrl-flood) what=$(p99_under "$mode" "$d" "CTRL FLOODING" "CTRL FLOODED") ;;
        # Unmapping 1024 pages still takes netdd ~37 ms (ASan build: the
        # munmaps; the hypercall is ~5 ms), and the p99 measured 9-65 ms;
        # before batching it was seconds (0 of 300 pings answered).
        unmap-storm) what=$(p99_under "$mode" "$d" "UNMAP READY" "UNMAP CLOSED" 100) ;;
        # The control: no attack, the bad guest's own CPU only.
        cpu-burn) what=$(p99_under "$mode" "$d" BURNING BURNED) ;;
        bcast-storm)
            what=$(p99_under "$mode" "$d" "BCAST STORMING" "BCAST STORMED")
            what+=$(held_bcasts "$d")
            ;;
        rx-stall) what=$(survives_stall "$d") ;;
        tiny-mss) what=$(survives_tiny_mss "$d") ;;
        reconnect-flood) what=$(survives_reconnects "$d") ;;
        reply-storm) what=$(survives_reply_storm "$d") ;;
        *) what=$(closes "$mode" "$d" "$i") ;;
        esac
        ;;
    esac
    netdd_alive
    pings "$t-g1" 10.0.0.3 || pings "$t-g1" 10.0.0.3 || fail "$mode: the good guests lost each other"
    "$BIN/xl" destroy "$name"
    pass "$mode: $what; netdd and the good guests fine"
done

wait_console "$nd" "backend/vif/$d/0 removed" >/dev/null
netdd_alive
kill -INT "$bgping" 2>/dev/null || true
wait "$bgping" || true
bgping=""
stats=$(grep -E "packets transmitted" "$rd/bgping.log") || fail "no ping summary: $(cat "$rd/bgping.log")"
sent=$(awk '{print $1}' <<<"$stats")
got=$(awk '{print $4}' <<<"$stats")
[ "$sent" -gt 0 ] && [ $((got * 100 / sent)) -ge 95 ] || fail "good guests lost packets: $stats"
pass "the good guests pinged each other throughout: $stats"
