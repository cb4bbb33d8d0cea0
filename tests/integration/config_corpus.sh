#!/usr/bin/env bash
# Descriptions as others write them: tests/config/corpus/ holds libvirt
# domain XML and xl.cfg files in the style of libvirt's Xen test data
# (xlconfigdata, xmconfigdata, libxlxml2domconfigdata) and Xen's example
# configs (written for this project, not copied).  Each runs through
# `xl create --dry-run`; NAME.expect says the outcome: its first line is
# "accepted" (exit 0 and the description as JSON on stdout) or "refused"
# (exit 1, nothing on stdout), the rest is exactly what xl printed on
# stderr (the error, or the warnings of an accepted file).
# SV_GOLDEN_UPDATE=1 rewrites the .expect files.
set -u
cd "$(dirname "$0")/../.."
xl=${SV_BUILD:-build}/bin/xl
if [ ! -x "$xl" ]; then
    echo "SKIP: $xl is not built (make)"
    exit 77
fi
tmp=$(mktemp -d /tmp/sv-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export SV_LOG_LEVEL=info # the warnings are part of the outcome
failed=0 accepted=0 refused=0

for f in tests/config/corpus/*.xml tests/config/corpus/*.cfg; do
    "$xl" create --dry-run "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    case $rc in
    0) outcome=accepted
       if ! python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$tmp/out"; then
           echo "FAIL: $f: accepted, but stdout is not JSON"
           failed=$((failed + 1))
           continue
       fi ;;
    1) outcome=refused
       if [ -s "$tmp/out" ]; then
           echo "FAIL: $f: refused, but printed on stdout"
           failed=$((failed + 1))
           continue
       fi ;;
    *) echo "FAIL: $f: exit $rc"; failed=$((failed + 1)); continue ;;
    esac
    { echo "$outcome"; cat "$tmp/err"; } >"$tmp/got"
    if [ "${SV_GOLDEN_UPDATE:-0}" = 1 ]; then
        cp "$tmp/got" "${f%.*}.expect"
    elif ! diff -u "${f%.*}.expect" "$tmp/got"; then
        echo "FAIL: $f"
        failed=$((failed + 1))
        continue
    fi
    [ $outcome = accepted ] && accepted=$((accepted + 1)) || refused=$((refused + 1))
done

echo "corpus: $accepted accepted, $refused refused as expected, $failed failed"
[ "$failed" -eq 0 ]
