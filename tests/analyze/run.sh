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
for c in start_pointer interior upgrade cycle tree chain block_bytes registers go_noptr zero_size_holes glibc_chunk copy_holes snapshot copy_batched sparse_index far_index group copy_after_sort index_pages scan_pages index_starts index_passes mark_lookups sampled_lookups sampled_words block_pages \
    heur_stdstring heur_length64 heur_newarray heur_multipleinheritance heur_reads_once; do
    ASAN_OPTIONS=detect_leaks=0 run "scan_$c" "$TB/analyze/scan_test" "$c"
done
for c in parse wildcard match defaults; do
    run "supp_$c" "$TB/analyze/supp_test" "$c" "$TMP"
done
# The word loop of a sampled run's scan (sampled_words' heap of null, small and heap words): its
# own instructions per word under callgrind. Testing the page filter's bit took 21 per word; its
# byte, with the C heap's range left to the words that pass, 13.
if command -v valgrind >/dev/null && ! ldd "$TB/analyze/scan_test" | grep -q libasan; then
    valgrind --tool=callgrind --toggle-collect=ch_scan_ex --compress-strings=no \
        --callgrind-out-file="$TMP/cg.words" "$TB/analyze/scan_test" sampled_words >/dev/null 2>&1
    ir=$(callgrind_annotate --inclusive=no --auto=no --threshold=100 "$TMP/cg.words" 2>/dev/null |
        awk '!/=>/ && $0 ~ /:scan_words/ {gsub(/,/, "", $1); n += $1} END {print n + 0}')
    per=$((ir / 1048576))
    run scan_word_loop_instructions sh -c \
        "echo 'word loop: $ir instructions for 1048576 words ($per per word, want 1..16)'; [ $per -ge 1 ] && [ $per -le 16 ]"
else
    echo "SKIP scan_word_loop_instructions: no valgrind, or a sanitizer build"
fi
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
