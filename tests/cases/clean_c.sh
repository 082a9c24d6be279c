# shellcheck shell=bash
# A C program that frees everything: no block is left, so the launcher
# skips the scan (there is nothing to classify) and the report says that
# all blocks were freed, with no "not scanned" notice; a leak gate passes.
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/clean.c) || exit 1

ch_run -v --error-exitcode=9 -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_grep '^cgoheap: no recorded block left at exit: nothing to scan$' "$WORK/report"
expect_grep '^==[0-9]+== All heap blocks were freed -- no leaks are possible$' "$WORK/report"
expect_no_grep 'not scanned' "$WORK/report"
