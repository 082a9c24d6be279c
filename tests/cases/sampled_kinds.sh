# shellcheck shell=bash
# A sampled run classifies its sampled blocks without the unsampled ones in
# the table: a block kept only by an unsampled heap block is still
# reachable (that heap block is memory the scan reads), and a block whose
# last pointer was dropped is definitely lost.
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/held.c) || exit 1

ch_run --sample-rate=4096 --show-leak-kinds=all -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_eq "$(summary definite "$WORK/report")" "2097152 1" "definitely lost: the dropped block"
expect_eq "$(summary reachable "$WORK/report")" "1048576 1" "still reachable: the held block"
