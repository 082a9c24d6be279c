# shellcheck shell=bash
# At exit_group the exiting thread's stack below exit()'s caller holds only
# libc's exit frames (exit, __run_exit_handlers, _exit), whose unwritten
# slots keep what earlier calls left there: an optimised build left the root
# of a lost tree there, "still reachable" in every run. Those frames are not
# roots. For a program that loses a tree and returns from main, and one
# that loses it and calls exit(0) from main holding a block in main's
# own frame (that frame stays live, as in valgrind), built by gcc at
# -O1/-O2/-O3 and by clang -O2, cgoheap's four kind totals equal
# valgrind's in every one of RUNS runs; -v says how many bytes of exit
# frames were left out.
. "$ROOT/tests/lib.sh"
need_cgoheap
need_valgrind
RUNS=${EXIT_FRAMES_RUNS:-20}
compilers="gcc"
command -v clang >/dev/null && compilers="gcc clang" || skip_sub clang "not installed"

# check SRC CC OPT: build, ask valgrind once, then cgoheap RUNS times.
check() {
    local src=$ROOT/tests/progs/kinds/$1.c bin=$WORK/$1-$2$3 want got i
    $2 "$3" -g -o "$bin" "$src" || fail "cannot compile $src with $2 $3"
    vg_run "$bin"
    want=$(kinds "$WORK/valgrind") || exit 1
    for i in $(seq "$RUNS"); do
        ch_run --show-leak-kinds=none -- "$bin" >/dev/null
        got=$(kinds "$WORK/report") || exit 1
        [ "$got" = "$want" ] || {
            show "$WORK/report"
            fail "$1 ($2 $3) run $i of $RUNS: cgoheap '$got', valgrind '$want'"
        }
    done
    echo "$1 ($2 $3): $RUNS/$RUNS runs $got, as valgrind"
}

for cc in $compilers; do
    opts="-O1 -O2 -O3"
    [ "$cc" = clang ] && opts="-O2"
    for opt in $opts; do
        check tree "$cc" "$opt"
        check exit_in_main "$cc" "$opt"
    done
done

# The loss the case is about: valgrind agrees with the programs' own
# expect: lines on gcc -O2, where the exit frames held the tree's root.
for p in tree exit_in_main; do
    expect=$(sed -n 's/.*expect: *//p' "$ROOT/tests/progs/kinds/$p.c" | sed 's/ *\*\/ *$//' | head -n 1)
    vg_run "$WORK/$p-gcc-O2"
    got=$(kinds "$WORK/valgrind") || exit 1
    expect_eq "$got" "$expect" "valgrind on $p (gcc -O2) against its expect: line"
done

# -v counts the exit frames left out.
ch_run -v --show-leak-kinds=none -- "$WORK/tree-gcc-O2"
expect_grep "^cgoheap: thread [0-9]+ ended in exit\(\): [1-9][0-9]* bytes of libc's exit frames are no roots" \
    "$WORK/report" "-v names the exit frames left out"
