# shellcheck shell=bash
# C memory that Go drops (the pointer dies with its frame, the stack is
# overwritten afterwards) is definitely lost (valgrind agrees).
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
src=$ROOT/tests/progs/go/godrop/main.go
bin=$(go_build tests/progs/go/godrop godrop) || exit 1
line=$(line_of 'C.malloc(' "$src") || exit 1

ch_run -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_record '^==[0-9]+== 4,000 bytes in 1 blocks are definitely lost' \
    "$(cgo_re malloc main.drop "$line")"
