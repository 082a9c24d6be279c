# shellcheck shell=bash
# Modules that change under the running program.
# A library overwritten in place (same inode): its build ID no longer
# matches the one the agent read from the mapped image, so its frames are
# not named from the new bytes, and the report says so.
# A library dlclosed and another loaded at the same address: each leak is
# named after the function of the library that was loaded when it was
# made, even from the same call site (same return addresses). A library
# whose file was replaced after its dlclose is not read: its frames stay
# unnamed and a note says why.
# timeout: 90
. "$ROOT/tests/lib.sh"
need_cgoheap
lib=$ROOT/tests/progs/c/lib/dlreuse_lib.c
prog=$(c_build tests/progs/c/dlreuse.c -ldl) || exit 1
line=$(line_of 'char *p = malloc(LEAK_SIZE);' "$lib") || exit 1
gcc -O0 -g -shared -fPIC -DLEAK_FN=dlreuse_first -DLEAK_SIZE=1111 -o "$WORK/liba.so" "$lib" || fail "cannot build liba"
gcc -O0 -g -shared -fPIC -DLEAK_FN=dlreuse_other -DLEAK_SIZE=2222 -o "$WORK/libb.so" "$lib" || fail "cannot build libb"

if readelf -n "$WORK/liba.so" | grep -q 'Build ID'; then
    # Sanity: untouched, the leak is named.
    cp "$WORK/liba.so" "$WORK/rewritten.so"
    ch_run -- "$prog" leak "$WORK/rewritten.so"
    expect_eq "$RC" 0 "exit status (untouched)"
    expect_record '^==[0-9]+== 1,111 bytes in 1 blocks are definitely lost' \
        "$(frame_re dlreuse_first dlreuse_lib.c "$line")"

    ino=$(stat -c %i "$WORK/rewritten.so")
    ch_run -- "$prog" rewrite "$WORK/rewritten.so"
    expect_eq "$RC" 0 "exit status (rewritten)"
    expect_eq "$(stat -c %i "$WORK/rewritten.so")" "$ino" "the file kept its inode (the test rewrote it in place)"
    record '1,111 bytes in 1 blocks are definitely lost' "$WORK/report" >"$WORK/record"
    [ -s "$WORK/record" ] || fail "rewritten: no record of the leak"
    expect_no_grep 'dlreuse_first' "$WORK/record" "frames named from the rewritten file"
    expect_grep 'rewritten\.so\+0x[0-9a-f]+' "$WORK/record" "rewritten: the frame is module and offset"
    expect_grep 'note: .*/rewritten\.so was deleted or replaced on disk while the program ran' \
        "$WORK/report" "rewritten: the note says so"
else
    skip_sub rewritten "the compiler gives libraries no build ID"
fi

ch_run -- "$prog" reuse "$WORK/liba.so" "$WORK/libb.so"
expect_eq "$RC" 0 "exit status"
if ! grep -q 'same address' "$WORK/stdout"; then
    skip_sub same-address "the loader put the second library elsewhere: $(cat "$WORK/stdout")"
    exit 0
fi
expect_record '^==[0-9]+== 1,111 bytes in 1 blocks are definitely lost' \
    "$(frame_re dlreuse_first dlreuse_lib.c "$line")"
expect_record '^==[0-9]+== 2,222 bytes in 1 blocks are definitely lost' \
    "$(frame_re dlreuse_other dlreuse_lib.c "$line")"
expect_no_grep 'note: .*liba\.so' "$WORK/report" "the unloaded library's file was vouched for"

# The pprof profile names each leak's function too (locations are per pc and module).
ch_run --pprof="$WORK/prof.pb.gz" -- "$prog" reuse "$WORK/liba.so" "$WORK/libb.so"
expect_eq "$RC" 0 "exit status with --pprof"
if [ -x "${GO:-}" ]; then
    pprofcheck=$(go_build tests/progs/tools/pprofcheck pprofcheck) || exit 1
    "$pprofcheck" "$WORK/prof.pb.gz" >"$WORK/samples" || fail "pprofcheck: $(cat "$WORK/samples")"
    expect_grep '^sample [0-9]+,[0-9]+,[0-9]+,1111 .*\| dlreuse_first;' "$WORK/samples" \
        "pprof: the first leak's function"
    expect_grep '^sample [0-9]+,[0-9]+,[0-9]+,2222 .*\| dlreuse_other;' "$WORK/samples" \
        "pprof: the second leak's function"
else
    skip_sub pprof "no Go toolchain to read the profile"
fi

# After its dlclose, swapped.so's path is given libb.so's bytes: nothing vouches for it.
cp "$WORK/liba.so" "$WORK/swapped.so"
ch_run -- "$prog" reuse "$WORK/swapped.so" "$WORK/libb.so" swap
expect_eq "$RC" 0 "exit status (swapped file)"
record '1,111 bytes in 1 blocks are definitely lost' "$WORK/report" >"$WORK/record"
[ -s "$WORK/record" ] || fail "swapped file: no record of the first leak"
expect_no_grep 'dlreuse_(first|other)' "$WORK/record" "the first leak named from a file that is not its library"
expect_grep 'swapped\.so\+0x[0-9a-f]+' "$WORK/record" "the first leak's frame: module and offset"
expect_grep 'note: .*/swapped\.so was unloaded before the program ended.*not symbolized' \
    "$WORK/report" "the note says why"
expect_record '^==[0-9]+== 2,222 bytes in 1 blocks are definitely lost' \
    "$(frame_re dlreuse_other dlreuse_lib.c "$line")"

# Loaded twice before its file was swapped: two lives of one library, one note.
cp "$WORK/liba.so" "$WORK/twice.so"
ch_run -- "$prog" reload "$WORK/twice.so" "$WORK/libb.so"
expect_eq "$RC" 0 "exit status (loaded twice)"
expect_record '^==[0-9]+== 1,111 bytes in 1 blocks are definitely lost' 'twice\.so\+0x[0-9a-f]+'
expect_eq "$(grep -c 'note: .*/twice\.so was unloaded' "$WORK/report")" 1 "notes about the library loaded twice"
