# shellcheck shell=bash
# The kinds corpus is right: for each program, valgrind memcheck (default
# options) finds the kind totals its "expect:" line states. This checks the
# test programs themselves, so it runs without cgoheap.
# each: tests/progs/kinds/*.c*
. "$ROOT/tests/lib.sh"
need_valgrind
bin=$(c_build "$PARAM") || exit 1
expect=$(sed -n 's/.*expect: *//p' "$ROOT/$PARAM" | sed 's/ *\*\/ *$//' | head -n 1)
[ -n "$expect" ] || fail "$PARAM has no 'expect:' line"

vg_run "$bin"
got=$(kinds "$WORK/valgrind") || exit 1
echo "valgrind: $got"
echo "expected: $expect"
for item in $expect; do
    case " $got " in
    *" $item "*) ;;
    *) show "$WORK/valgrind"; fail "valgrind disagrees with '$item' (valgrind: $got)" ;;
    esac
done
