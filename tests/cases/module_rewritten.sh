# shellcheck shell=bash
# A library overwritten in place (same inode) while the program runs: its
# build ID no longer matches the one the agent read from the mapped image,
# so its frames are not named from the new bytes, and the report says so.
# timeout: 60
. "$ROOT/tests/lib.sh"
need_cgoheap
lib=$ROOT/tests/progs/c/dlreuse_lib.c
prog=$(c_build tests/progs/c/dlreuse.c -ldl) || exit 1
line=$(line_of 'char *p = malloc(LEAK_SIZE);' "$lib") || exit 1
gcc -O0 -g -shared -fPIC -DLEAK_FN=dlreuse_first -DLEAK_SIZE=1111 -o "$WORK/liba.so" "$lib" || fail "cannot build liba"
readelf -n "$WORK/liba.so" | grep -q 'Build ID' || skip "the compiler gives libraries no build ID"

# Sanity: untouched, the leak is named.
ch_run -- "$prog" leak "$WORK/liba.so"
expect_eq "$RC" 0 "exit status (untouched)"
expect_record '^==[0-9]+== 1,111 bytes in 1 blocks are definitely lost' \
    "$(frame_re dlreuse_first dlreuse_lib.c "$line")"

ino=$(stat -c %i "$WORK/liba.so")
ch_run -- "$prog" rewrite "$WORK/liba.so"
expect_eq "$RC" 0 "exit status"
expect_eq "$(stat -c %i "$WORK/liba.so")" "$ino" "the file kept its inode (the test rewrote it in place)"
record '1,111 bytes in 1 blocks are definitely lost' "$WORK/report" >"$WORK/record"
[ -s "$WORK/record" ] || fail "no record of the leak"
expect_no_grep 'dlreuse_first' "$WORK/record" "frames named from the rewritten file"
expect_grep 'liba\.so\+0x[0-9a-f]+' "$WORK/record" "the frame: module and offset"
expect_grep 'note: .*/liba\.so was deleted or replaced on disk while the program ran' \
    "$WORK/report" "the note says so"
