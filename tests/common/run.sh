#!/bin/sh
# Unit tests of the CLI's shared machinery in src/common: the u64 map, the
# string interner, the array growth and the address sort, each against a reference and with a
# failing allocator (tests/common/failalloc.h, linked with --wrap=malloc).
# Prints one line per case; exits non-zero if any case fails.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SUITE=common
. "$ROOT/tests/lib_stage.sh"
need_bins common u64map_test intern_test grow_test block_sort_test

for c in basic oom; do
    run "u64map_$c" "$TB/common/u64map_test" "$c"
    run "intern_$c" "$TB/common/intern_test" "$c"
done
run grow "$TB/common/grow_test"
run block_sort "$TB/common/block_sort_test"
[ "$fails" -eq 0 ]
