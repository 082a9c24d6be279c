# shellcheck shell=bash
# Seed experiment 4 without the HTTP server: both the C.CString leak and
# the 128 MiB f1 leak are reported, each with its own Go line.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
src=$ROOT/tests/progs/go/seed4/main.go
bin=$(go_build tests/progs/go/seed4 seed4) || exit 1
cstring_line=$(line_of 'C.CString(' "$src") || exit 1
malloc_line=$(line_of 'malloc(128 * 1024 * 1024)' "$src") || exit 1
call_line=$(line_of 'C.f1()' "$src") || exit 1

ch_run --show-leak-kinds=all -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_record '^==[0-9]+== 17 bytes in 1 blocks are definitely lost' \
    "$(cgo_re CString main.main "$cstring_line")"
expect_record '^==[0-9]+== 134,217,728 bytes in 1 blocks are ' \
    "$(frame_re f1 main.go "$malloc_line")" \
    "$(frame_re main.main main.go "$call_line")"
