# shellcheck shell=bash
# 8 goroutines each leak 100 C.CString and finish while main waits on
# them: all 800 blocks are definitely lost, none still reachable, in each
# of 20 runs (the scheduler frames of the idle main thread and the stack
# of a goroutine that is still in its deferred wg.Done on another thread
# held stale copies now and then).
# go: both
# timeout: 300
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
bin=$(go_build tests/progs/go/goleak8 goleak8) || exit 1
for i in $(seq 20); do
    ch_run --show-leak-kinds=all -- "$bin" >/dev/null
    expect_eq "$RC" 0 "exit status (run $i)"
    expect_eq "$(summary definite "$WORK/report" | cut -d' ' -f2)" 800 "blocks definitely lost (run $i)"
    expect_eq "$(summary reachable "$WORK/report")" "0 0" "still reachable (run $i)"
    expect_eq "$(summary possible "$WORK/report")" "0 0" "possibly lost (run $i)"
done
