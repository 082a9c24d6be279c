# shellcheck shell=bash
# Programs linked with jemalloc or tcmalloc: they run as without cgoheap
# (their malloc_usable_size sees their own blocks: before, a glibc block
# crashed jemalloc), their leak is found, and the report names the
# allocator and says that its own C++ operator new/delete were not tracked.
. "$ROOT/tests/lib.sh"
need_cgoheap
src=$ROOT/tests/progs/c/ownalloc.c
line=$(line_of "LEAK-own" "$src") || exit 1
ran=0
for lib in jemalloc tcmalloc; do
    if ! echo 'int main(void){return 0;}' | gcc -x c -o /dev/null - -l$lib 2>/dev/null; then
        echo "no lib$lib (scripts/install-deps.sh installs it)"
        continue
    fi
    # Not c_build: its one binary per source would race with other cases.
    bin=$WORK/ownalloc-$lib
    gcc -O0 -g -o "$bin" "$src" -l$lib || fail "cannot compile ownalloc.c with -l$lib"
    native_rc=0
    native=$("$bin" </dev/null) || native_rc=$?
    expect_eq "$native" "usable sizes ok" "native output with $lib (the test program is wrong)"
    ch_run -- "$bin"
    expect_eq "$RC" "$native_rc" "exit status with $lib"
    expect_eq "$(cat "$WORK/stdout")" "$native" "program output with $lib"
    expect_record '^==[0-9]+== 77 bytes in 1 blocks are definitely lost' \
        "$(frame_re leak_own ownalloc.c "$line")"
    expect_grep "note: the program's malloc is lib$lib[^ ]*'s, not glibc's: followed; its C\\+\\+ operator new/delete bypass malloc and were not tracked" \
        "$WORK/report" "the report names $lib"
    ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || skip "neither libjemalloc nor libtcmalloc is installed"
