#!/bin/sh
# Unit tests of src/analyze: reachability scan, grouping, suppressions.
# One line per case; exits non-zero if any case fails.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cgoheap-analyze.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
CC=${CC:-gcc}
CFLAGS="-std=gnu11 -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers -g -I$ROOT/include -I$ROOT/src -D_GNU_SOURCE"
SAN="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
SRC="$ROOT/src/analyze/*.c $ROOT/src/common/block_sort.c $ROOT/src/common/intern.c $ROOT/src/common/u64map.c"

$CC $CFLAGS $SAN -o "$TMP/scan_test" "$ROOT/tests/analyze/scan_test.c" $SRC || exit 1
$CC $CFLAGS $SAN -o "$TMP/supp_test" "$ROOT/tests/analyze/supp_test.c" $SRC || exit 1
# The benchmark figure comes from an optimised build without sanitizers.
$CC $CFLAGS -O2 -o "$TMP/scan_bench" "$ROOT/tests/analyze/scan_test.c" $SRC || exit 1

fails=0
run() { # NAME COMMAND...
    name=$1
    shift
    if out=$("$@" 2>&1); then
        echo "PASS analyze/$name${out:+: $(echo "$out" | tail -n 1)}"
    else
        echo "FAIL analyze/$name: $(echo "$out" | grep -m1 . )"
        echo "$out" | sed 's/^/    /'
        fails=$((fails + 1))
    fi
}
export ASAN_OPTIONS=detect_leaks=1
for c in start_pointer interior upgrade cycle tree chain block_bytes registers zero_size_holes glibc_chunk copy_holes snapshot sparse_index group \
    heur_stdstring heur_length64 heur_newarray heur_multipleinheritance; do
    ASAN_OPTIONS=detect_leaks=0 run "scan_$c" "$TMP/scan_test" "$c"
done
for c in parse wildcard match defaults; do
    run "supp_$c" "$TMP/supp_test" "$c" "$TMP"
done
run scan_bench_1M_blocks_1GiB "$TMP/scan_bench" bench
run scan_bench_2M_blocks_tree "$TMP/scan_bench" bench_tree
run scan_tree_pipelined "$TMP/scan_bench" tree_pipelined
[ "$fails" -eq 0 ]
