#!/usr/bin/env bash
# Debian's libxenvchan (libxenvchan.a, unmodified) over our libraries: a
# server and a client domain move 100 MiB each way at once, every byte
# checked; then each end's death wakes the other through its unmap notify
# (the hypervisor clears the dead end's live byte and sends on its port).
source "$(dirname "$0")/lib.sh"
require_root
[ -x "$TESTBIN/vchandom" ] || fail "build/tests/bin/vchandom missing (make tests)"
sv_start
MIB=${VCHAN_TEST_MIB:-100}
BYTES=$((MIB * 1048576))

vchan_cfg() {
    local name=$1; shift
    local cfg=$SPLITVISOR_RUNDIR/$name.cfg
    printf 'name = "%s"\nmemory = 16\nkernel = "%s"\nextra = "%s"\non_crash = "preserve"\non_poweroff = "preserve"\n' \
        "$name" "$TESTBIN/vchandom" "$*" >"$cfg"
    "$BIN/xl" create "$cfg" >/dev/null
    "$BIN/xl" domid "$name"
}

# A pair: the server serves its peer-to-be (the next domid) at a path
# relative to its home; prints "SERVER CLIENT".
vchan_pair() {
    local tag=$1 mib=$2 s c
    s=$(vchan_cfg "$SV_TEST_TAG-$tag-s" server next data/vchan/$tag "$mib")
    wait_console "$s" "^READY$" >/dev/null
    c=$(vchan_cfg "$SV_TEST_TAG-$tag-c" client "$s" "/local/domain/$s/data/vchan/$tag" "$mib")
    [ "$c" = $((s + 1)) ] || fail "client got domid $c, server expected $((s + 1))"
    echo "$s $c"
}

read -r s c < <(vchan_pair big "$MIB")
wait_console "$s" "^VERIFIED rx=$BYTES tx=$BYTES$" 120 >/dev/null
wait_console "$c" "^VERIFIED rx=$BYTES tx=$BYTES$" 120 >/dev/null
echo "server: $(wait_console "$s" '^RATE')  client: $(wait_console "$c" '^RATE')"
# The server keeps its ring page's node readable by the client alone.
XENSTORED_PATH=$SPLITVISOR_RUNDIR/xenstored/socket xenstore-ls -p "/local/domain/$s/data/vchan/big" 2>/dev/null |
    grep -q "ring-ref = .*(n$s,r$c)" || fail "ring-ref node lacks the perms libxenvchan set"
pass "$MIB MiB each way through Debian's libxenvchan, every byte checked"

# The client dies: the server, asleep on its event channel, sees it gone.
console_of "$s" | grep -q "^PEER CLOSED$" && fail "server saw the client close before it died"
"$BIN/xl" destroy "$c"
wait_console "$s" "^PEER CLOSED$" >/dev/null
pass "client death: its mapping's notify cleared cli_live and woke the server"

# The server dies: the client sees it gone.
read -r s2 c2 < <(vchan_pair small 1)
wait_console "$c2" "^VERIFIED" 30 >/dev/null
wait_console "$s2" "^VERIFIED" 30 >/dev/null
"$BIN/xl" destroy "$s2"
wait_console "$c2" "^PEER CLOSED$" >/dev/null
pass "server death: its share's notify cleared srv_live and woke the client"
