# What the driver-domain benchmarks share (sourced after
# tests/integration/lib.sh by bench/restart/run.sh and bench/scale/vifs.sh):
# percentiles, a timed pinger, the resource counts that must come back, and
# a target's verdict, and the boot of the instance they run on.

# Boots what a benchmark runs on (as root, with iperf3): a hypervisor with
# a NIC (sv_start --nic NIC-ARGS), xenstored's socket exported; sets rd,
# hv and bg (pids of background jobs, ended at exit).
bench_boot() { # NIC-ARGS
    require_root
    command -v iperf3 >/dev/null || { echo "$0: needs iperf3" >&2; exit 1; }
    sv_start --nic "$1"
    export XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket
    rd=$SPLITVISOR_RUNDIR
    hv=$(cat "$rd/splitvisor.pid")
    bg=()
    sv_on_exit 'for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done'
    # SV_KEEP_LOGS=DIR: the run directory's logs are copied there at the end.
    [ -z "${SV_KEEP_LOGS:-}" ] || sv_on_exit 'mkdir -p "$SV_KEEP_LOGS" && cp -r "$rd"/*.log "$rd"/console "$SV_KEEP_LOGS"/; cp "$rd"/ping-* "$SV_KEEP_LOGS"/ 2>/dev/null'
}

# Percentiles of the numbers on stdin: "p50 p90 p99 max".
pct() {
    sort -n | awk '{v[NR] = $1} END {
        if (!NR) { print "- - - -"; exit }
        printf "%s %s %s %s\n", v[int((NR - 1) * .5) + 1], v[int((NR - 1) * .9) + 1],
            v[int((NR - 1) * .99) + 1], v[NR] }'
}
# pings from guest $1 to $2 every 10 ms with timestamps, for $3 seconds,
# into file $4 (its pid in $!)
pinger() { timeout $(($3 + 5)) "$BIN/xl" exec "$1" -- ping -D -n -i 0.01 -W 1 -w "$3" "$2" >"$4" 2>&1 & }

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
if kind != 0 and data.startswith(b"ENOENT") and sys.argv[2] == "quota":
    sys.exit(0)
if kind != 0:
    sys.exit("xenstored: %s: %s" % (" ".join(sys.argv[2:]), data.rstrip(b"\0").decode()))
sys.stdout.write(data.rstrip(b"\0").decode())
PY
}

# The xenstore watches the domains DOMID... hold, summed (xenstored's
# "quota DOMID"; fails rather than reading 0 when xenstored does not answer).
xs_watches() {
    local d total=0 w
    for d in "$@"; do
        w=$(xs_control quota "$d" | awk -F: '$1 ~ /^watches/ {print $2 + 0}')
        total=$((total + ${w:-0}))
    done
    echo "$total"
}

counts() { # what must come back after kills and teardowns
    local xsd nic p
    xsd=$(cat "$rd/xenstored.pid" 2>/dev/null || pgrep -P "$hv" -x xenstored || true)
    for p in $(pgrep -P "$hv"); do [ "$(cat /proc/"$p"/comm)" = xnic ] && nic=$p; done
    "$BIN/xl" info | awk '/^(evtchn_ports|grant_maps|shared_frames)/ {printf "%s=%s ", $1, $3}'
    printf 'nodes=%s ' "$(for d in /local/domain /vm /libxl; do xenstore-ls "$d" 2>/dev/null; done | wc -l)"
    # shellcheck disable=SC2046 # one domid a word
    printf 'watches=%s ' "$(xs_watches $("$BIN/xl" list | awk 'NR > 1 {print $2}'))"
    printf 'hv_fds=%s ' "$(ls /proc/"$hv"/fd | wc -l)"
    [ -n "$xsd" ] && printf 'xsd_fds=%s ' "$(ls /proc/"$xsd"/fd | wc -l)"
    [ -n "${nic:-}" ] && printf 'nic_frames=%s nic_fds=%s' "$(grep -c 'memfd:sv-frame' "/proc/$nic/maps")" "$(ls /proc/"$nic"/fd | wc -l)"
    echo
}

target() { # target NAME VALUE LIMIT
    if awk -v v="$2" -v l="$3" 'BEGIN {exit !(v <= l)}'; then
        echo "target: $1 $2 <= $3: met"
    else
        echo "target: $1 $2 <= $3: MISSED"
    fi
}
