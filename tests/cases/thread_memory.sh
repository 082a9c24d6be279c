# shellcheck shell=bash
# Memory per thread that allocates a little (bench/workloads/threadmem.c:
# threads alive at once, each making 100 malloc/free pairs from two call
# sites). The cost per thread is the slope between 100 and 500 threads of
# the program's VmRSS under cgoheap, less the native slope: the record's
# and the agent's fixed costs cancel out. About 12 KiB: one page of the
# thread's record slot, one of its rule cache, one of a
# walk memo (47 KiB when each spread over the whole region). Three runs:
# resident memory varies between them, so the median is what is bounded.
# timeout: 240
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build bench/workloads/threadmem.c) || exit 1
bound_kib=20

rss() { # rss THREADS [cgoheap]: the program's VmRSS in KiB
    if [ "${2:-}" = cgoheap ]; then
        ch_run --no-scan -- "$bin" "$1" 100 >/dev/null
        expect_eq "$RC" 0 "exit status with $1 threads"
        out=$(cat "$WORK/stdout")
    else
        out=$("$bin" "$1" 100) || fail "the program failed natively with $1 threads"
    fi
    echo "$out" | sed -n 's/.* VmRSS=\([0-9]*\).*/\1/p'
}

pers=""
for run in 1 2 3; do
    native=$(($(rss 500) - $(rss 100)))
    under=$(($(rss 500 cgoheap) - $(rss 100 cgoheap)))
    per=$(((under - native) / 400))
    echo "run $run: native slope $native KiB, under cgoheap $under KiB per 400 threads: $per KiB per thread"
    pers="$pers $per"
done
# The median: one run in several measures about 37 KiB (not understood yet;
# the old layout measured 54 KiB in every run).
median=$(printf '%s\n' $pers | sort -n | sed -n 2p)
[ "$median" -lt "$bound_kib" ] ||
    fail "median $median KiB per thread that allocates a little (runs:$pers), want < $bound_kib"
