# shellcheck shell=bash
# C memory whose pointers a live Go struct and slice hold at exit is still
# reachable (valgrind agrees), never lost.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
src=$ROOT/tests/progs/go/goreach/main.go
bin=$(go_build tests/progs/go/goreach goreach) || exit 1
cstring_line=$(line_of 'C.CString(' "$src") || exit 1
malloc_line=$(line_of 'C.malloc(' "$src") || exit 1

ch_run --show-leak-kinds=all -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_record '^==[0-9]+== 20 bytes in 1 blocks are still reachable' \
    "$(cgo_re CString main.main "$cstring_line")"
expect_record '^==[0-9]+== 400 bytes in 4 blocks are still reachable' \
    "$(cgo_re malloc main.main "$malloc_line")"
expect_eq "$(summary definite "$WORK/report")" "0 0" "definitely lost"

# The folded report lists the still-reachable records too, with their Go
# frames (not module+offset), though the text report does not show them.
ch_run --folded="$WORK/folded" -- "$bin"
expect_grep '^runtime\.goexit;runtime\.main;main\.main 400$' "$WORK/folded"
expect_grep '^runtime\.goexit;runtime\.main;main\.main 20$' "$WORK/folded"
expect_no_grep '\+0x' "$WORK/folded"
