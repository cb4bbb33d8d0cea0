# What the networking benchmarks share (sourced by bench/net/*.sh): servers
# as jobs of the caller's shell, TCP and 64-byte measurements, the veth and
# native xnic baselines, and arithmetic on figures.  The caller sets rd (its
# run directory), secs (seconds a figure), bin and bench (the build's bin/
# and bench/), made_ns (namespaces its cleanup deletes), and ends the jobs.

# The start of a run: refuses when one of our namespaces or NS... exists
# (another run, or leftovers), makes the run directory and sets the traps.
bench_begin() { # NS...
    local ns
    for ns in sv-bench-a sv-bench-b sv-bench-wire "$@"; do
        if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
            echo "$0: namespace $ns exists (another run, or leftovers)" >&2
            exit 1
        fi
    done
    SPLITVISOR_RUNDIR=$(mktemp -d /tmp/sv-bench.XXXXXX)
    export SPLITVISOR_RUNDIR
    rd=$SPLITVISOR_RUNDIR
    made_ns=()
    step=setup
    trap bench_cleanup EXIT
    trap "exit 130" INT TERM
}

# Ways into the veth pair's ends and the namespace the NIC's wire TAP goes to.
in_a()    { ip netns exec sv-bench-a "$@"; }
in_b()    { ip netns exec sv-bench-b "$@"; }
in_wire() { ip netns exec sv-bench-wire "$@"; }

# The EXIT trap: ends our jobs and the hypervisor, deletes made_ns and rd,
# and on failure shows what was being done ($step) and the logs.
bench_cleanup() {
    local rc=$? p ns
    # Our background processes still running (jobs -p: never a reused pid).
    for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "$bin/splitvisor" stop >/dev/null 2>&1 || true
    for ns in "${made_ns[@]}"; do ip netns delete "$ns" 2>/dev/null || true; done
    if [ $rc -ne 0 ]; then
        echo "--- $0 failed during: $step; hypervisor log:" >&2
        tail -20 "$rd/splitvisor.log" >&2 2>/dev/null || true
        for f in "$rd"/console/*.log "$rd"/*.out; do
            [ -f "$f" ] && { echo "--- $f" >&2; tail -10 "$f" >&2; }
        done
    fi
    rm -rf "$rd"
    exit $rc
}

# Runs a server in the background (a job of this shell, which the cleanup ends).
serve() { # OUTFILE FN ARGS...
    local out=$1; shift
    "$@" >"$out" 2>&1 &
}

# Waits for a TCP listener on PORT as seen from FN's namespace.
wait_listen() { # FN PORT
    for _ in $(seq 50); do
        "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
        sleep 0.1
    done
    echo "no listener on port $2 ($1)" >&2
    return 1
}

# The measuring functions run in this shell (not in $(...)), so that the
# servers they start are this shell's jobs; each leaves its result in fig.

# TCP from SRV_FN's iperf3 server to CLI_FN's client: fig="GBIT/S RETRANSMITS"
# (the receiver's rate, the sender's retransmitted segments).
tcp_run() { # SRV_FN CLI_FN ADDR
    local out=$rd/iperf3-$1.out
    serve "$out" "$1" iperf3 -s -1 -p 5201
    wait_listen "$1" 5201
    fig=$("$2" iperf3 -c "$3" -p 5201 -t "$secs" -f m | awk '
        / sender$/   { retr = $(NF - 1) }
        / receiver$/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") mbps = $(i - 1) }
        END { if (mbps != "") printf "%.2f %d\n", mbps / 1000, retr }')
    [ -n "$fig" ] || { echo "iperf3 to $3 gave no figure" >&2; return 1; }
}

# 64-byte frames per second received by RX_FN from TX_FN's udp-pps sender: fig.
udp_run() { # RX_FN TX_FN ADDR
    local out=$rd/udp-pps-$1.out
    serve "$out" "$1" "$bench/udp-pps" recv --port 9000 --seconds "$secs"
    for _ in $(seq 50); do grep -q listening "$out" && break; sleep 0.1; done
    "$2" "$bench/udp-pps" send --to "$3" --port 9000 --seconds "$((secs + 1))" >/dev/null
    for _ in $(seq 50); do grep -q rx_pps "$out" && break; sleep 0.1; done
    fig=$(awk '/rx_pps/ { print $2 }' "$out")
    [ -n "$fig" ] || { echo "udp-pps to $3 gave no figure" >&2; return 1; }
}

veth_up() {
    ip netns add sv-bench-a; made_ns+=(sv-bench-a)
    ip netns add sv-bench-b; made_ns+=(sv-bench-b)
    ip link add sv-bench-va netns sv-bench-a type veth peer name sv-bench-vb netns sv-bench-b
    ip -n sv-bench-a addr add 10.99.0.1/24 dev sv-bench-va
    ip -n sv-bench-b addr add 10.99.0.2/24 dev sv-bench-vb
    ip -n sv-bench-a link set sv-bench-va up
    ip -n sv-bench-b link set sv-bench-vb up
}

# The xnic alone, driven by one process: pool->pool 64-byte frames per second: fig.
native_run() {
    local ctl=$rd/xnic-native.sock out=$rd/xnic-bench.out xpid
    "$bin/xnic" --control "$ctl" --wire none --pools 4 --vfs 0 2>"$rd/xnic-native.log" &
    xpid=$!
    for _ in $(seq 50); do [ -S "$ctl" ] && break; sleep 0.1; done
    "$bench/xnic-bench" --control "$ctl" --seconds "$secs" >"$out"
    kill "$xpid"
    wait "$xpid" 2>/dev/null || true
    fig=$(awk '$1 == "pool->pool" && $2 == 64 { print $4 }' "$out")
    [ -n "$fig" ] || { echo "xnic-bench gave no figure" >&2; return 1; }
}

# The median of its arguments (numbers).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { printf "%.15g\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# The largest of its arguments (numbers).
best() { printf '%s\n' "$@" | sort -g | tail -1; }

# "LOW-HIGH" of its arguments (numbers).
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }

# "FIGURE BASELINE" -> ratio with 3 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", (b > 0 ? a / b : 0) }'; }

