# Shared helpers of the integration tests (sourced).  Each test gets its own
# hypervisor in a fresh run directory, and everything it started is stopped
# in an EXIT trap, by pid and by sv- name, even when the test fails.
set -euo pipefail

SV_BUILD=${SV_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
BIN=$SV_BUILD/bin
TESTBIN=$SV_BUILD/tests/bin
SV_TEST_TAG=${SV_TEST_TAG:-t$$}
export SV_LOG_LEVEL=${SV_LOG_LEVEL:-info}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

require_root() {
    [ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, uids, seccomp)"
    command -v ip >/dev/null || skip "needs iproute2"
}

# Extra cleanup a test registers: sv_on_exit 'command'
SV_ON_EXIT=()
sv_on_exit() { SV_ON_EXIT+=("$1"); }

sv_cleanup() {
    local rc=$? c
    for c in "${SV_ON_EXIT[@]}"; do eval "$c" || true; done
    if [ -n "${SPLITVISOR_RUNDIR:-}" ] && [ -d "$SPLITVISOR_RUNDIR" ]; then
        if [ $rc -ne 0 ]; then
            echo "--- hypervisor log"; cat "$SPLITVISOR_RUNDIR/splitvisor.log" 2>/dev/null || true
            for f in "$SPLITVISOR_RUNDIR"/monitor.log "$SPLITVISOR_RUNDIR"/console/*.log; do
                [ -f "$f" ] && { echo "--- console $f"; cat "$f"; }
            done
        fi
        "$BIN/splitvisor" stop >/dev/null 2>&1 || true
        local pid
        pid=$(cat "$SPLITVISOR_RUNDIR/splitvisor.pid" 2>/dev/null || true)
        [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
        rm -rf "$SPLITVISOR_RUNDIR"
    fi
    # Namespaces this test named.
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^sv-$SV_TEST_TAG" || true); do
        ip netns delete "$ns" 2>/dev/null || true
    done
    # Domain cgroups a killed hypervisor left behind (empty: its domains
    # died with it).
    find /sys/fs/cgroup -maxdepth 5 -type d -name "sv-$SV_TEST_TAG*" -delete 2>/dev/null || true
    [ -z "${SV_DESTDIR:-}" ] || rm -rf "$SV_DESTDIR"
    exit $rc
}

# The test runs the programs as operators get them: `make install` of this
# build into a DESTDIR (PREFIX=/usr), and BIN its program directory, never
# build/ (the domain images of tests/domains stay in TESTBIN).  Call it
# first: sv_use_installed
sv_use_installed() {
    local top variant=release
    top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    [[ $SV_BUILD == */asan ]] && variant=asan
    SV_DESTDIR=$(mktemp -d /tmp/sv-test-dest.XXXXXX)
    trap sv_cleanup EXIT
    chmod 0755 "$SV_DESTDIR" # a root every user reads, as / is
    make -C "$top" -s VARIANT=$variant install DESTDIR="$SV_DESTDIR" PREFIX=/usr \
        >"$SV_DESTDIR/make.log" 2>&1 || fail "make install: $(tail -5 "$SV_DESTDIR/make.log")"
    BIN=$SV_DESTDIR/usr/lib/splitvisor/bin
    [ -x "$BIN/xl" ] || fail "make install put no xl in $BIN"
}

# Boots a hypervisor of the test's own: sv_start [splitvisor start args]
# (no NIC unless asked for, e.g. sv_start --nic "--wire none").
sv_start() {
    SPLITVISOR_RUNDIR=$(mktemp -d /tmp/sv-test.XXXXXX)
    export SPLITVISOR_RUNDIR
    trap sv_cleanup EXIT
    [ $# -gt 0 ] || set -- --no-nic
    "$BIN/splitvisor" start "$@" >/dev/null
}

# Writes an xl.cfg for a testdom domain: sv_cfg NAME EXTRA... -> path
sv_cfg() {
    local name=$1; shift
    local cfg=$SPLITVISOR_RUNDIR/$name.cfg
    cat >"$cfg" <<CFG
name = "$name"
memory = 16
vcpus = 1
kernel = "$TESTBIN/testdom"
extra = "$*"
on_poweroff = "preserve"
on_crash = "preserve"
CFG
    echo "$cfg"
}

# Creates a testdom domain and prints its domid: sv_create NAME EXTRA...
sv_create() {
    local name=$1; shift
    "$BIN/xl" create "$(sv_cfg "$name" "$@")" >/dev/null
    "$BIN/xl" domid "$name"
}

# Creates a domain of tests/domains/hvhostile.c (raw hypercalls against the
# hypervisor): sv_hvhostile NAME 'MORE XL.CFG LINES' MODE ARGS... -> domid
sv_hvhostile() {
    local name=$1 more=$2 cfg=$SPLITVISOR_RUNDIR/$1.cfg
    shift 2
    printf 'name = "%s"\nmemory = 16\nkernel = "%s"\nextra = "%s"\non_crash = "preserve"\n%s\n' \
        "$name" "$TESTBIN/hvhostile" "$*" "$more" >"$cfg"
    "$BIN/xl" create "$cfg" >/dev/null
    "$BIN/xl" domid "$name"
}

# dom0's tools must never wait on a domain: xl_quick ARGS... fails unless
# `xl ARGS` succeeds within a second.
xl_quick() {
    local start ms
    start=$(date +%s%N)
    "$BIN/xl" "$@" >/dev/null || fail "xl $* failed"
    ms=$((($(date +%s%N) - start) / 1000000))
    [ "$ms" -lt 1000 ] || fail "xl $* took $ms ms"
}

# xenstored's XS_CONTROL ARGS... over its socket (what Xen's xenstore-control
# sends; Debian's comes only with the Xen hypervisor's packages): prints the
# answer, fails when xenstored refuses.  "quota DOMID" of a domain xenstored
# has no record of prints nothing.
xs_control() {
    python3 - "$XENSTORED_PATH" "$@" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
body = b"".join(a.encode() + b"\0" for a in sys.argv[2:])
s.sendall(struct.pack("<IIII", 0, 0, 0, len(body)) + body)  # XS_CONTROL
head = b""
while len(head) < 16:
    head += s.recv(16 - len(head))
kind, _, _, n = struct.unpack("<IIII", head)
data = b""
while len(data) < n:
    data += s.recv(n - len(data))
if kind != 0 and data.startswith(b"ENOENT") and sys.argv[2:3] == ["quota"] and len(sys.argv) == 4:
    sys.exit(0)
if kind != 0:
    sys.exit("xenstored: %s: %s" % (" ".join(sys.argv[2:]), data.rstrip(b"\0").decode()))
sys.stdout.write(data.rstrip(b"\0").decode())
PY
}

console_of() { cat "$SPLITVISOR_RUNDIR/console/$1.log" 2>/dev/null || true; }

# Waits until the console of DOMID shows PATTERN (grep -E); prints the line.
wait_console() {
    local domid=$1 pattern=$2 timeout=${3:-10} i
    for ((i = 0; i < timeout * 20; i++)); do
        if console_of "$domid" | grep -Eq "$pattern"; then
            console_of "$domid" | grep -E "$pattern" | head -1
            return 0
        fi
        sleep 0.05
    done
    echo "console of $domid:" >&2; console_of "$domid" >&2
    fail "domain $domid never printed /$pattern/"
}

# The xl list state column of a domain ("" when it is not listed).
domain_state() { "$BIN/xl" list | awk -v d="$1" '$2 == d {print $5}'; }

# Waits until domain NAME has another domid than OLD (a restart); prints it.
wait_restarted() {
    local name=$1 old=$2 now i
    for ((i = 0; i < 100; i++)); do
        now=$("$BIN/xl" domid "$name" 2>/dev/null || true)
        [ -n "$now" ] && [ "$now" != "$old" ] && { echo "$now"; return 0; }
        sleep 0.05
    done
    fail "$name (domain $old) was not restarted"
}

# The pid of a domain's process (its argv[0] is the domain's name).
domain_pid() { pgrep -xf "$1( .*)?" | head -1; }

# A driver domain owning the PF: sv_netdd NAME [NETDD ARGS] -> domid
sv_netdd() { sv_netdd_create "$1" "${2:-}"; }

# The same, left paused (xl create -p): its vifs' backends never reach
# InitWait until `xl unpause NAME`.
sv_netdd_paused() { sv_netdd_create "$1" "${2:-}" -p; }

sv_netdd_create() { # NAME NETDD-ARGS [XL-CREATE-OPTIONS...]
    local cfg=$SPLITVISOR_RUNDIR/$1.cfg name=$1 args=$2
    shift 2
    printf 'name = "%s"\nmemory = 256\nkernel = "%s"\nextra = "%s"\ndriver_domain = 1\npci = [ "0000:03:00.0" ]\non_crash = "restart"\n' \
        "$name" "$BIN/netdd" "$args" >"$cfg"
    "$BIN/xl" pci-assignable-add 0000:03:00.0
    "$BIN/xl" create "$@" "$cfg" >/dev/null
    "$BIN/xl" domid "$name"
}

# A guest with one vif on a driver domain:
# sv_guest NAME BACKEND IP/PREFIX [MORE-VIF-KEYS [GUEST-ARGS]] -> domid
sv_guest() {
    local cfg=$SPLITVISOR_RUNDIR/$1.cfg
    printf 'name = "%s"\nmemory = 64\nkernel = "%s"\nvif = [ "backend=%s,ip=%s%s" ]\n' \
        "$1" "$BIN/guest" "$2" "$3" "${4:+,$4}" >"$cfg"
    [ -z "${5:-}" ] || printf 'extra = "%s"\n' "$5" >>"$cfg"
    "$BIN/xl" create "$cfg" >/dev/null
    "$BIN/xl" domid "$1"
}

# The same, returning once the guest's vif has connected (so that guests
# made one after another take the NIC's pools in that order):
# sv_guest_up NAME BACKEND IP/PREFIX [MORE-VIF-KEYS]
sv_guest_up() {
    wait_console "$(sv_guest "$1" "$2" "$3" "${4:-}")" "connected to" >/dev/null
}

# iperf3 from a guest to a one-shot server started in another guest:
# sv_iperf CLIENT SERVER TARGET [CLIENT-ARGS...]; fails unless data moved,
# sets SV_IPERF_RATE to what the receiver got, Mbit/s (the sum of -P flows).
sv_iperf() {
    local client=$1 server=$2 target=$3 out
    shift 3
    "$BIN/xl" exec "$server" -- iperf3 -s -1 -D --logfile "$SPLITVISOR_RUNDIR/iperf-$server.log"
    sleep 0.5
    out=$("$BIN/xl" exec "$client" -- iperf3 -c "$target" -f m "$@") \
        || fail "iperf3 $client -> $target: $out"
    # The last receiver line: the only one, or the [SUM] of several flows.
    SV_IPERF_RATE=$(awk '/receiver/ {rate = $(NF - 2)} END {print rate}' <<<"$out")
    [ -n "$SV_IPERF_RATE" ] && awk -v r="$SV_IPERF_RATE" 'BEGIN {exit !(r > 1)}' \
        || fail "iperf3 $client -> $target: rate '$SV_IPERF_RATE'"
}

# Whether a rate (Mbit/s, as SV_IPERF_RATE) holds a LIMIT within 10%, or
# goes well past it (twice): the rate-limit tests' two verdicts.
rate_within() { awk -v r="$1" -v l="$2" 'BEGIN {exit !(r >= 0.9 * l && r <= 1.1 * l)}'; }
rate_past() { awk -v r="$1" -v l="$2" 'BEGIN {exit !(r > 2 * l)}'; }

# Waits (up to 10 s) until N listeners started in the background said they
# listen, each by making a file ready.* in the run directory.
wait_ready() {
    local n=$1 i
    for ((i = 0; i < 200; i++)); do
        [ "$(ls "$SPLITVISOR_RUNDIR" | grep -c "^ready\.")" -eq "$n" ] && return 0
        sleep 0.05
    done
}

# The raw-frame sender and counter (raw_frames.py) guests run with python3.
SV_RAW_FRAMES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/raw_frames.py

# Starts `python3 RAW count eth0 MAGIC SECONDS READY DONE` in domain
# PREFIX+G for each G (a test's raw-frame counter: it makes READY once it
# listens, and stops two seconds after the file raw.done exists, or after
# SECONDS), its output in seen.G of the run directory; returns once all
# listen.
raw_listeners() { # RAW MAGIC SECONDS PREFIX G...
    local raw=$1 magic=$2 secs=$3 prefix=$4 g
    shift 4
    rm -f "$SPLITVISOR_RUNDIR"/ready.* "$SPLITVISOR_RUNDIR"/seen.* "$SPLITVISOR_RUNDIR/raw.done"
    for g in "$@"; do
        "$BIN/xl" exec "$prefix$g" -- timeout 60 python3 "$raw" count eth0 "$magic" "$secs" \
            "$SPLITVISOR_RUNDIR/ready.$g" "$SPLITVISOR_RUNDIR/raw.done" \
            >"$SPLITVISOR_RUNDIR/seen.$g" 2>&1 &
    done
    wait_ready $#
}

# A host on the NIC's wire: moves the wire's TAP into namespace sv-TAG-host
# (removed at exit) with ADDR/PREFIX on it.  sv_wire_host TAP ADDR/PREFIX
sv_wire_host() {
    ip netns add "sv-$SV_TEST_TAG-host"
    sv_on_exit "ip netns delete sv-$SV_TEST_TAG-host 2>/dev/null"
    ip link set "$1" netns "sv-$SV_TEST_TAG-host"
    ip -n "sv-$SV_TEST_TAG-host" link set "$1" up
    ip -n "sv-$SV_TEST_TAG-host" addr add "$2" dev "$1"
}

# Pings from a guest until one answer comes (a vif connects asynchronously).
wait_ping() {
    local from=$1 to=$2 i
    for ((i = 0; i < 40; i++)); do
        "$BIN/xl" exec "$from" -- ping -c 1 -W 1 "$to" >/dev/null 2>&1 && return 0
        sleep 0.25
    done
    fail "$from cannot reach $to"
}
