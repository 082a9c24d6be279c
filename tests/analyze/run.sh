#!/bin/sh
# Unit tests of src/analyze: reachability scan, grouping, suppressions.
# One line per case; exits non-zero if any case fails.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cgoheap-analyze.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
SUITE=analyze
. "$ROOT/tests/lib_stage.sh"
need_bins analyze scan_test supp_test

export ASAN_OPTIONS=detect_leaks=1
for c in start_pointer interior upgrade cycle tree chain block_bytes registers go_noptr zero_size_holes glibc_chunk copy_holes snapshot copy_batched sparse_index far_index group copy_after_sort index_pages scan_pages index_starts index_passes mark_lookups sampled_lookups block_pages \
    heur_stdstring heur_length64 heur_newarray heur_multipleinheritance heur_reads_once; do
    ASAN_OPTIONS=detect_leaks=0 run "scan_$c" "$TB/analyze/scan_test" "$c"
done
for c in parse wildcard match defaults; do
    run "supp_$c" "$TB/analyze/supp_test" "$c" "$TMP"
done
# The figures are the build's: optimised, unless it is a SAN=1 build.
run scan_bench_1M_blocks_1GiB "$TB/analyze/scan_test" bench
run scan_bench_2M_blocks_tree "$TB/analyze/scan_test" bench_tree
# A ratio of two timings means nothing when the scan is instrumented and the
# plain walk it is compared with hardly is.
if ldd "$TB/analyze/scan_test" | grep -q libasan; then
    echo "SKIP scan_tree_pipelined: a sanitizer build times instrumented code"
else
    run scan_tree_pipelined "$TB/analyze/scan_test" tree_pipelined
fi
[ "$fails" -eq 0 ]
