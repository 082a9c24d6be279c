# shellcheck shell=bash
# A library dlclosed and another loaded at the same address: each leak is
# named after the function of the library that was loaded when it was
# made, even from the same call site (same return addresses). A library
# whose file was replaced after its dlclose is not read: its frames stay
# unnamed and a note says why.
# timeout: 60
. "$ROOT/tests/lib.sh"
need_cgoheap
lib=$ROOT/tests/progs/c/dlreuse_lib.c
prog=$(c_build tests/progs/c/dlreuse.c -ldl) || exit 1
line=$(line_of 'char *p = malloc(LEAK_SIZE);' "$lib") || exit 1
gcc -O0 -g -shared -fPIC -DLEAK_FN=dlreuse_first -DLEAK_SIZE=1111 -o "$WORK/liba.so" "$lib" || fail "cannot build liba"
gcc -O0 -g -shared -fPIC -DLEAK_FN=dlreuse_other -DLEAK_SIZE=2222 -o "$WORK/libb.so" "$lib" || fail "cannot build libb"

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
if command -v go >/dev/null || [ -x /usr/lib/go-1.23/bin/go ]; then
    gotool=$(command -v go || echo /usr/lib/go-1.23/bin/go)
    "$gotool" tool pprof -traces "$WORK/prof.pb.gz" >"$WORK/traces" 2>&1 || fail "go tool pprof"
    expect_grep 'dlreuse_first' "$WORK/traces" "pprof: the first library's function"
    expect_grep 'dlreuse_other' "$WORK/traces" "pprof: the second library's function"
fi

# After its dlclose, liba.so's path is given libb.so's bytes: nothing vouches for it.
cp "$WORK/liba.so" "$WORK/libc.so"
ch_run -- "$prog" reuse "$WORK/libc.so" "$WORK/libb.so" swap
expect_eq "$RC" 0 "exit status (swapped file)"
record '1,111 bytes in 1 blocks are definitely lost' "$WORK/report" >"$WORK/record"
[ -s "$WORK/record" ] || fail "swapped file: no record of the first leak"
expect_no_grep 'dlreuse_(first|other)' "$WORK/record" "the first leak named from a file that is not its library"
expect_grep 'libc\.so\+0x[0-9a-f]+' "$WORK/record" "the first leak's frame: module and offset"
expect_grep 'note: .*/libc\.so was unloaded before the program ended.*not symbolized' \
    "$WORK/report" "the note says why"
expect_record '^==[0-9]+== 2,222 bytes in 1 blocks are definitely lost' \
    "$(frame_re dlreuse_other dlreuse_lib.c "$line")"
