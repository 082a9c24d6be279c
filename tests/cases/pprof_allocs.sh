# shellcheck shell=bash
# pprof's alloc_objects/alloc_space count every allocation made, whatever
# way the program ends (return, exit, _exit, SIGKILL; a Go program's
# exit_group), even while the allocating threads are still alive: their
# not yet shared per-stack counts live in the record's thread slots.
# allocend (C): 5 threads x 1000 malloc of 16 + i%7 bytes, from churn.
# allocend (Go): 4 locked goroutines x 1000 C.malloc, from main.churn.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap

# pprof_cum_of PROFILE SAMPLE_INDEX FUNCTION -> its cumulative value.
pprof_cum_of() {
    "$GO" tool pprof -top -unit=B -sample_index="$2" -nodefraction=0 -nodecount=100000 \
        "$1" 2>"$WORK/pprof.err" | awk -v f="$3" '$NF == f { v = $4; sub(/B$/, "", v); print v; exit }'
}

# 1000 sizes 16 + i%7 for i < 1000: 16000 + 142 * 21 + (0+...+5)
per=$((16000 + 142 * 21 + 15))

check_allocs() { # BIN MODE FUNCTION THREADS
    ch_run --pprof="$WORK/a.pb.gz" -- "$1" "$2"
    [ -s "$WORK/a.pb.gz" ] || fail "$2: no profile written"
    local n b
    n=$(pprof_cum_of "$WORK/a.pb.gz" alloc_objects "$3")
    b=$(pprof_cum_of "$WORK/a.pb.gz" alloc_space "$3")
    expect_eq "$n" $(($4 * 1000)) "$2: alloc_objects under $3"
    expect_eq "$b" $(($4 * per)) "$2: alloc_space under $3"
}

cbin=$(c_build tests/progs/c/allocend.c) || exit 1
gobin=$(go_build tests/progs/go/allocend allocend) || exit 1
for i in 1 2 3; do
    for m in return exit _exit kill; do
        check_allocs "$cbin" "$m" churn 5
    done
    for m in return exit kill; do
        check_allocs "$gobin" "$m" main.churn 4
    done
done
