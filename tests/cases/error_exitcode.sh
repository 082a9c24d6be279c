# shellcheck shell=bash
# --error-exitcode=N: a leaking program makes cgoheap exit N, a clean one
# keeps its own status; --errors-for-leak-kinds selects which kinds count.
. "$ROOT/tests/lib.sh"
need_cgoheap
leaky=$(c_build tests/progs/c/two_leaks.c) || exit 1
clean=$(c_build tests/progs/c/clean.c) || exit 1
reachable_only=$(c_build tests/progs/kinds/global.c) || exit 1

ch_run --error-exitcode=42 -- "$leaky"
expect_eq "$RC" 42 "leaking program with --error-exitcode=42"
ch_run --error-exitcode=42 -- "$clean"
expect_eq "$RC" 0 "clean program with --error-exitcode=42"
expect_eq "$(summary definite "$WORK/report")" "0 0" "clean program: definitely lost"
ch_run -- "$leaky"
expect_eq "$RC" 0 "leaking program without --error-exitcode keeps status 0"

# A block that is only still reachable is not an error by default...
ch_run --error-exitcode=42 -- "$reachable_only"
expect_eq "$RC" 0 "still reachable is not an error by default"
# ...unless asked for.
ch_run --error-exitcode=42 --errors-for-leak-kinds=reachable -- "$reachable_only"
expect_eq "$RC" 42 "still reachable with --errors-for-leak-kinds=reachable"
ch_run --error-exitcode=42 --errors-for-leak-kinds=possible -- "$leaky"
expect_eq "$RC" 0 "definite leaks with --errors-for-leak-kinds=possible"
