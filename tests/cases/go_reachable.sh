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
