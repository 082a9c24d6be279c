# shellcheck shell=bash
# Plain C: malloc, calloc, realloc and posix_memalign leaks, each reported
# as definitely lost with the file:line of its call.
. "$ROOT/tests/lib.sh"
need_cgoheap
src=$ROOT/tests/progs/c/allocs.c
bin=$(c_build tests/progs/c/allocs.c) || exit 1

ch_run -- "$bin"
expect_eq "$RC" 0 "exit status"
for fn in malloc calloc realloc posix_memalign; do
    line=$(line_of "LEAK-$fn" "$src") || exit 1
    expect_record '^==[0-9]+== [0-9,]+ bytes in 1 blocks are definitely lost' \
        "$(frame_re "leak_$fn" allocs.c "$line")"
done
# 101 + 3*67 + 303 + 404 bytes, as the program allocates them.
expect_eq "$(summary definite "$WORK/report")" "$((101 + 3 * 67 + 303 + 404)) 4" "definitely lost"
