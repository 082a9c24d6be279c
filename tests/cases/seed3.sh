# shellcheck shell=bash
# Seed experiment 3: the 128 MiB malloc in a thread created by C: the
# record names f1 at its malloc line and the C thread's start_thread.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
src=$ROOT/tests/progs/go/seed3/main.go
bin=$(go_build tests/progs/go/seed3 seed3) || exit 1
malloc_line=$(line_of 'malloc(128 * 1024 * 1024)' "$src") || exit 1

ch_run --show-leak-kinds=all -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_record '^==[0-9]+== 134,217,728 bytes in 1 blocks are ' \
    "$(frame_re f1 main.go "$malloc_line")" \
    '(at|by) 0x[0-9A-Fa-f]+: start_thread '
