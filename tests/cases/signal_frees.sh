# shellcheck shell=bash
# Signal handlers that malloc, realloc and free while the agent runs on the
# interrupted thread: their frees must still be recorded (no false leak),
# and their allocations the agent could not record must be said to be
# missing. 20 runs: where a signal lands differs every time.
# timeout: 240
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/sigfree.c) || exit 1

for run in $(seq 20); do
    ch_run -- "$bin"
    expect_eq "$RC" 0 "exit status (run $run)"
    expect_eq "$(cat "$WORK/stdout")" done "program output (run $run)"
    expect_eq "$(summary definite "$WORK/report")" "0 0" "definitely lost (run $run)"
    expect_eq "$(summary possible "$WORK/report")" "0 0" "possibly lost (run $run)"
    expect_grep 'allocations were not recorded; figures are lower bounds' "$WORK/report" \
        "the handlers' unrecorded allocations are reported (run $run)"
done
