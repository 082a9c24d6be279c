# shellcheck shell=bash
# A child made with the raw clone system call (no glibc fork handlers) must
# not write the parent's record: before, it freed the parent's leak there
# and added its own block as the parent's.
. "$ROOT/tests/lib.sh"
need_cgoheap
src=$ROOT/tests/progs/c/rawclone.c
bin=$(c_build tests/progs/c/rawclone.c) || exit 1
line=$(line_of "LEAK-parent" "$src") || exit 1
for run in 1 2 3; do
    ch_run -- "$bin"
    expect_eq "$RC" 0 "exit status"
    expect_eq "$(cat "$WORK/stdout")" "child ok" "program output"
    expect_record '^==[0-9]+== 111 bytes in 1 blocks are definitely lost' \
        "$(frame_re leak_parent rawclone.c "$line")"
    expect_no_grep 'leak_child' "$WORK/report" "the child's block is not the parent's"
    expect_eq "$(summary definite "$WORK/report")" "111 1" "definitely lost (run $run)"
done
