# shellcheck shell=bash
# --gen-suppressions prints a LeakSanitizer-format entry per record; the
# entry printed for one record, fed back with --suppressions, suppresses
# exactly that record.
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/two_leaks.c) || exit 1

ch_run --gen-suppressions -- "$bin"
expect_eq "$RC" 0 "exit status"
grep -E '^leak:' "$WORK/report" >"$WORK/all.supp" || true
n=$(grep -c . "$WORK/all.supp")
expect_eq "$n" 2 "number of generated leak: entries (one per record)"
grep -F leak_one "$WORK/all.supp" >"$WORK/one.supp" || {
    show "$WORK/all.supp"
    fail "no generated entry names leak_one"
}

ch_run --suppressions="$WORK/one.supp" -- "$bin"
expect_eq "$(summary suppressed "$WORK/report")" "111 1" "suppressed by the generated entry"
expect_eq "$(summary definite "$WORK/report")" "222 1" "definitely lost left"
