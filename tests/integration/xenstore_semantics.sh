#!/usr/bin/env bash
# libxenstore against a live xenstored: permissions across domains (through
# the privileged XS_CONTROL "restrict" hook), transactions and EAGAIN,
# watches firing on commit only, domain release, quotas, malformed
# messages, 10,000 nodes / 1,000 watches in bounded time, and reads of
# a deep absent path as cheap as any read, and reads sent back to back.
. "$(dirname "$0")/lib_xenstored.sh"
xs_start
"$build/tests/bin/xs_check" basic perms transaction watch burst release quota \
    malformed scale deep many
"$build/tests/bin/xenbus_check"
xs_alive
xs_stop
echo PASS
