# shellcheck shell=bash
# cgoheap --show-leak-kinds=all and valgrind memcheck classify the same
# program's leaks alike: the four kind totals (bytes and blocks) are equal.
# valgrind runs without its freeres hooks (cgoheap runs none either), so
# both see the same heap at exit, including the C/C++ libraries' own blocks,
# and with cgoheap's built-in suppressions (glibc's thread DTVs...), so both
# hide the same library blocks: the number of suppressed blocks must be
# equal too. (Not their bytes: the agent is a preloaded library with TLS,
# so under cgoheap every thread's DTV has one more slot, 16 bytes.)
# each: tests/progs/kinds/*.c*
. "$ROOT/tests/lib.sh"
need_valgrind
need_cgoheap
bin=$(c_build "$PARAM") || exit 1

vg_default_supp "$WORK/defaults.supp"
vg_run --run-libc-freeres=no --run-cxx-freeres=no --suppressions="$WORK/defaults.supp" "$bin"
want="$(kinds "$WORK/valgrind") suppressed-blocks=$(summary suppressed "$WORK/valgrind" | cut -d' ' -f2)"
ch_run --show-leak-kinds=all -- "$bin"
got="$(kinds "$WORK/report") suppressed-blocks=$(summary suppressed "$WORK/report" | cut -d' ' -f2)"
echo "valgrind: $want"
echo "cgoheap:  $got"
if [ "$got" != "$want" ]; then
    show "$WORK/report"
    fail "kind totals differ: cgoheap '$got', valgrind '$want'"
fi
