#!/usr/bin/env bash
# Golden tests of the domain description parsers, like OpenBSD's `vmd -n`:
# config-dump runs on every description and its output is diffed against the
# expected one.
#   tests/config/valid/NAME.{xml,cfg}  ->  tests/config/valid/NAME.json
#   examples/NAME.{xml,cfg}            ->  tests/config/examples/NAME.json
#   tests/config/invalid/FILE          ->  tests/config/invalid/FILE.err (exit 1)
# An XML and an xl.cfg file of the same NAME share one .json, which checks
# that both formats say the same thing.  Every valid description also makes a
# round trip (its --xml output must parse back to the same JSON), and `xl
# create --dry-run` must print the same JSON as config-dump (and the same
# error, after "xl: ", for an invalid one).
# SV_GOLDEN_UPDATE=1 rewrites the expected files instead of comparing.
set -u
cd "$(dirname "$0")/../.."
dump=${SV_BUILD:-build}/tests/bin/config-dump
xl=${SV_BUILD:-build}/bin/xl
if [ ! -x "$dump" ] || [ ! -x "$xl" ]; then
    echo "SKIP: $dump or $xl is not built (make tests)"
    exit 77
fi
tmp=$(mktemp -d /tmp/sv-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export SV_LOG_LEVEL=error # warnings are not part of the golden output
failed=0 checked=0

# compare EXPECTED-FILE ACTUAL-FILE WHAT
compare() {
    checked=$((checked + 1))
    if [ "${SV_GOLDEN_UPDATE:-0}" = 1 ] && [ "$3" != round-trip ] && [ "$3" != dry-run ]; then
        cp "$2" "$1"
    elif ! diff -u "$1" "$2"; then
        echo "FAIL: $3"
        failed=$((failed + 1))
    fi
}

check_valid() { # FILE EXPECTED-JSON
    local f=$1 want=$2
    if ! "$dump" "$f" >"$tmp/out.json" 2>"$tmp/err"; then
        echo "FAIL: $f was rejected: $(cat "$tmp/err")"
        failed=$((failed + 1))
        return
    fi
    compare "$want" "$tmp/out.json" "$f"
    # xl create --dry-run is the user's way to the same JSON.
    if ! "$xl" create --dry-run "$f" >"$tmp/dry.json" 2>"$tmp/err"; then
        echo "FAIL: xl create --dry-run $f: $(cat "$tmp/err")"
        failed=$((failed + 1))
        return
    fi
    compare "$tmp/out.json" "$tmp/dry.json" dry-run
    if ! "$dump" --xml "$f" >"$tmp/round.xml" ||
        ! "$dump" "$tmp/round.xml" >"$tmp/round.json" 2>"$tmp/err"; then
        echo "FAIL: round trip of $f: $(cat "$tmp/err")"
        failed=$((failed + 1))
        return
    fi
    compare "$tmp/out.json" "$tmp/round.json" round-trip
}

for f in tests/config/valid/*.xml tests/config/valid/*.cfg; do
    check_valid "$f" "${f%.*}.json"
done
for f in examples/*.xml examples/*.cfg; do
    base=$(basename "$f")
    check_valid "$f" "tests/config/examples/${base%.*}.json"
done

for f in tests/config/invalid/*.xml tests/config/invalid/*.cfg; do
    "$dump" "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne 1 ] || [ -s "$tmp/out" ]; then
        echo "FAIL: $f: exit $rc (want 1 and no output)"
        failed=$((failed + 1))
        continue
    fi
    compare "$f.err" "$tmp/err" "$f"
    "$xl" create --dry-run "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    sed -i 's/^xl: //' "$tmp/err"
    if [ "$rc" -ne 1 ] || [ -s "$tmp/out" ]; then
        echo "FAIL: xl create --dry-run $f: exit $rc (want 1 and no output)"
        failed=$((failed + 1))
        continue
    fi
    compare "$f.err" "$tmp/err" dry-run
done

echo "$checked checks, $failed failed"
[ "$failed" -eq 0 ]
