# shellcheck shell=bash
# --suppressions with a file that matches one of two records removes
# exactly that one: its bytes move from "definitely lost" to "suppressed".
# The same suppression in valgrind's format is checked with valgrind too.
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/two_leaks.c) || exit 1
cat >"$WORK/one.supp" <<'SUPP'
# LeakSanitizer format: a pattern matched against every frame.
leak:^leak_one$
SUPP
cat >"$WORK/one.vgsupp" <<'SUPP'
{
   leak-one-only
   Memcheck:Leak
   match-leak-kinds: definite
   ...
   fun:leak_one
}
SUPP

ch_run -- "$bin"
expect_eq "$(summary definite "$WORK/report")" "333 2" "definitely lost without suppressions"
ch_run --suppressions="$WORK/one.supp" -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_eq "$(summary definite "$WORK/report")" "222 1" "definitely lost with leak_one suppressed"
expect_eq "$(summary suppressed "$WORK/report")" "111 1" "suppressed"
expect_record '^==[0-9]+== 222 bytes in 1 blocks are definitely lost' 'leak_two'
expect_no_grep '(at|by) 0x[0-9A-Fa-f]+: leak_one ' "$WORK/report" "the suppressed record is not printed"

if command -v valgrind >/dev/null; then
    vg_run --suppressions="$WORK/one.vgsupp" "$bin"
    expect_eq "$(summary suppressed "$WORK/valgrind")" "111 1" "valgrind with the same file"
fi
