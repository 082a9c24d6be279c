# shellcheck shell=bash
# Seed experiment 2: malloc(128 MiB) in C function f1 called from Go: one
# record naming f1 at the malloc line and main.main at the C.f1() line.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
src=$ROOT/tests/progs/go/seed2/main.go
bin=$(go_build tests/progs/go/seed2 seed2) || exit 1
malloc_line=$(line_of 'malloc(128 * 1024 * 1024)' "$src") || exit 1
call_line=$(line_of 'C.f1()' "$src") || exit 1

# The kind of the big block depends on what the scan finds (valgrind says
# "possibly lost"); show every kind so the record is printed whatever it is.
ch_run --show-leak-kinds=all -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_record '^==[0-9]+== 134,217,728 bytes in 1 blocks are ' \
    "$(frame_re f1 main.go "$malloc_line")" \
    "$(frame_re main.main main.go "$call_line")"
n=$(grep -cE '^==[0-9]+== 134,217,728 bytes in 1 blocks are ' "$WORK/report")
expect_eq "$n" 1 "number of 128 MiB records"
