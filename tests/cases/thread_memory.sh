# shellcheck shell=bash
# Memory per thread that allocates a little (bench/workloads/threadmem.c:
# threads alive at once, each making 100 malloc/free pairs from two call
# sites). The cost per thread is the slope between 100 and 500 threads of
# the program's VmRSS under cgoheap, less the native slope: the record's
# and the agent's fixed costs cancel out. 7-8 KiB (250 runs, load up to
# 12): one page of the thread's record slot and one of its rule cache and
# walk memo (47 KiB when each spread over the whole region, 15-16 KiB
# before a thread start touched one page of its cache).
# Every run is bounded. While the rule cache had one way, 8 runs in 100
# measured 22-37 KiB (and 6 runs 6-9 KiB, the 100-thread run hit): two
# return addresses every walk looks up that ASLR put on the same entry
# replaced each other on each walk, and each thread took its whole cache
# and touched 4 more pages of it. The same-set run puts two on the same
# entry in every run (threadmem.c explains how): 24-28 KiB with one way.
# timeout: 300
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build bench/workloads/threadmem.c) || exit 1
bound_kib=20

rss() { # rss THREADS native|cgoheap [same-set]: the program's VmRSS in KiB
    if [ "$2" = cgoheap ]; then
        ch_run --no-scan -- "$bin" "$1" 100 ${3:+"$3"} >/dev/null
        expect_eq "$RC" 0 "exit status with $1 threads ${3:-}"
        out=$(cat "$WORK/stdout")
    else
        out=$("$bin" "$1" 100 ${3:+"$3"}) || fail "the program failed natively with $1 threads ${3:-}"
    fi
    echo "$out" | sed -n 's/.* VmRSS=\([0-9]*\).*/\1/p'
}

per_thread() { # per_thread RUN [same-set]: checks one run's KiB per thread
    native=$(($(rss 500 native ${2:+"$2"}) - $(rss 100 native ${2:+"$2"})))
    under=$(($(rss 500 cgoheap ${2:+"$2"}) - $(rss 100 cgoheap ${2:+"$2"})))
    per=$(((under - native) / 400))
    echo "run $1${2:+ ($2)}: native slope $native KiB, under cgoheap $under KiB per 400 threads: $per KiB per thread"
    [ "$per" -lt "$bound_kib" ] ||
        fail "run $1${2:+ ($2)}: $per KiB per thread that allocates a little, want < $bound_kib"
}

for run in 1 2 3; do
    per_thread "$run"
done
per_thread 4 same-set
