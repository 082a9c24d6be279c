# shellcheck shell=bash
# Plain C++: a leaked new[] and a leaked new object, each reported as
# definitely lost with the file:line of the new expression.
. "$ROOT/tests/lib.sh"
need_cgoheap
src=$ROOT/tests/progs/c/news.cc
bin=$(c_build tests/progs/c/news.cc) || exit 1

ch_run -- "$bin"
expect_eq "$RC" 0 "exit status"
line=$(line_of LEAK-new-array "$src") || exit 1
expect_record '^==[0-9]+== 200 bytes in 1 blocks are definitely lost' \
    "$(frame_re 'leak_array(\(\))?' news.cc "$line")"
line=$(line_of LEAK-new-object "$src") || exit 1
expect_record '^==[0-9]+== [0-9,]+ bytes in 1 blocks are definitely lost' \
    "$(frame_re 'leak_object(\(\))?' news.cc "$line")"
expect_eq "$(summary definite "$WORK/report" | cut -d' ' -f2)" 2 "definitely lost blocks"
