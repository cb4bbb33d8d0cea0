#!/usr/bin/env bash
# Debian's xenstore-utils (linked with Debian's libxenstore, speaking the
# wire protocol over the socket) against a live xenstored.
. "$(dirname "$0")/lib_xenstored.sh"
for t in xenstore-read xenstore-write xenstore-ls xenstore-list xenstore-rm \
         xenstore-chmod xenstore-watch xenstore-exists; do
    command -v $t >/dev/null || { echo "SKIP: $t not installed (xenstore-utils)"; exit 77; }
done
# A log left world-readable by an older run is made root-only (0600).
install -m 0644 /dev/null "$SPLITVISOR_RUNDIR/xenstored.log"
xs_start

fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect WANT CMD...
    local want=$1 got; shift
    got=$("$@") || fail "$* exited $?"
    [ "$got" = "$want" ] || fail "$*: got '$got', want '$want'"
}

xenstore-write /vm/1/name guest1 /vm/1/memory 128 /vm/2/name "two words"
expect guest1 xenstore-read /vm/1/name
expect "two words" xenstore-read /vm/2/name
expect "$(printf '1\n2')" xenstore-list /vm
xenstore-exists /vm/1/memory || fail "exists"
! xenstore-exists /vm/3 || fail "exists on absent node"
! xenstore-read /vm/3/name 2>/dev/null || fail "read of absent node"

xenstore-ls /vm | grep -q 'memory = "128"' || fail "xenstore-ls"
xenstore-chmod /vm/1 n0 r5 w6
xenstore-ls -p /vm | grep -q '(n0,r5,w6)' || fail "chmod/ls -p: $(xenstore-ls -p /vm)"
xenstore-chmod -r /vm/2 b7
xenstore-ls -p /vm/2 | grep -q 'name.*(b7)' || fail "chmod -r"

# xenstore-watch prints the initial event and each change below the path.
out=$SPLITVISOR_RUNDIR/watch.out
xenstore-watch -n 3 /vm/1 >"$out" &
wpid=$!
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
xenstore-write /vm/1/state 4
xenstore-rm /vm/1
for _ in $(seq 50); do kill -0 $wpid 2>/dev/null || break; sleep 0.1; done
kill $wpid 2>/dev/null && fail "xenstore-watch did not get 3 events"
wait $wpid || true
expect "$(printf '/vm/1\n/vm/1/state\n/vm/1')" cat "$out"

# More children than one XS_DIRECTORY reply holds: DIRECTORY_PART.
long=$(printf 'x%.0s' $(seq 200))
for i in $(seq 40); do xenstore-write "/big/$long$i" v; done
[ "$(xenstore-list /big | wc -l)" = 40 ] || fail "big directory"

xenstore-rm /vm
! xenstore-exists /vm || fail "rm"
mode=$(stat -c %a "$SPLITVISOR_RUNDIR/xenstored.log")
[ "$mode" = 600 ] || fail "xenstored.log mode $mode, want 600"
xs_alive
xs_stop
echo PASS
