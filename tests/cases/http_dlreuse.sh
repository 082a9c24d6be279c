# shellcheck shell=bash
# A library dlclosed and another loaded at the same address while the
# program is served: the symbolizer kept across requests is made again, and
# each block is named after the function of the library that was loaded
# when it was allocated (the same return addresses in both), in the heap
# profile and in a live leak check, never the old library's block after the
# new one's function nor the reverse (module_changes.sh does it at exit).
# timeout: 120
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
need_cgoheap
command -v curl >/dev/null || skip "curl not installed"
lib=$ROOT/tests/progs/c/lib/dlreuse_lib.c
LIVE=$(c_build tests/progs/c/dlreuse.c -ldl) || exit 1
line=$(line_of 'char *p = malloc(LEAK_SIZE);' "$lib") || exit 1
gcc -O0 -g -shared -fPIC -DLEAK_FN=dlreuse_first -DLEAK_SIZE=1111 -o "$WORK/liba.so" "$lib" || fail "cannot build liba"
gcc -O0 -g -shared -fPIC -DLEAK_FN=dlreuse_other -DLEAK_SIZE=2222 -o "$WORK/libb.so" "$lib" || fail "cannot build libb"

# heap_fn FILE SIZE -> the function of the first frame of the block of SIZE bytes in a ?debug=1
# profile ("1: SIZE [1: SIZE] @ ..." then "#<tab>0x...<tab>FUNCTION+0x...<tab>FILE:LINE").
heap_fn() {
    awk -v size="$2" '$1 == "1:" && $2 == size && $3 == "[1:" { want = 1; next }
        want && /^#/ { sub(/\+0x[0-9a-f]+$/, "", $3); print $3; exit }' "$1"
}
symbolizers() { grep -cE '^cgoheap: symbolizer [0-9]+ made for [0-9]+ modules' "$WORK/stderr" || true; }

LIVE_ARGS=(serve "$WORK/liba.so" "$WORK/libb.so")
live_start --http=127.0.0.1:0 -v
live_cmd first
fetch 'debug/pprof/heap?debug=1' "$WORK/heap1"
fetch debug/cgoheap/leaks "$WORK/report"
expect_record '^==[0-9]+== 1,111 bytes in 1 blocks are ' "$(frame_re dlreuse_first dlreuse_lib.c "$line")"
expect_eq "$(heap_fn "$WORK/heap1" 1111)" dlreuse_first "the first library's block, before the reuse"
# The launcher makes the symbols of new stacks ahead of the next profile: one symbolizer or more
# (one per set of mappings) before the library is reused, then one more.
made=$(symbolizers)
[ "$made" -ge 1 ] || fail "no symbolizer made before the reuse"

live_cmd reuse
if ! grep -q '^ok reuse same address' "$WORK/stdout"; then
    live_exit 0
    skip "the loader put the second library elsewhere: $(cat "$WORK/stdout")"
fi
fetch 'debug/pprof/heap?debug=1' "$WORK/heap2"
show "$WORK/heap2"
expect_eq "$(heap_fn "$WORK/heap2" 1111)" dlreuse_first "the unloaded library's block after the reuse"
expect_eq "$(heap_fn "$WORK/heap2" 2222)" dlreuse_other "the new library's block"
fetch debug/cgoheap/leaks "$WORK/report" # the leak check: expect_record reads it
expect_record '^==[0-9]+== 1,111 bytes in 1 blocks are ' "$(frame_re dlreuse_first dlreuse_lib.c "$line")"
expect_record '^==[0-9]+== 2,222 bytes in 1 blocks are ' "$(frame_re dlreuse_other dlreuse_lib.c "$line")"
[ "$(symbolizers)" -gt "$made" ] || fail "no symbolizer made again for the new mappings ($made made)"
live_exit 0
expect_eq "$RC" 0 "exit status"
