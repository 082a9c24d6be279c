# shellcheck shell=bash
# A cgo program that frees everything from 16 goroutines: nothing lost,
# and the allocations were really seen (a tool that saw none would also
# report no leak).
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
bin=$(go_build tests/progs/go/clean clean) || exit 1

ch_run -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_grep '^done$' "$WORK/stdout" "program output"
expect_eq "$(summary definite "$WORK/report")" "0 0" "definitely lost"
expect_eq "$(summary possible "$WORK/report")" "0 0" "possibly lost"
expect_eq "$(summary indirect "$WORK/report")" "0 0" "indirectly lost"
expect_no_grep 'are (definitely|possibly) lost' "$WORK/report" "no leak record"
# 16 goroutines x 200 iterations x (CString + CBytes + malloc + 4 in churn).
allocs=$(sed -nE 's/.*total heap usage: ([0-9,]+) allocs.*/\1/p' "$WORK/report" | tr -d ,)
[ -n "$allocs" ] || fail "no 'total heap usage' line"
[ "$allocs" -ge $((16 * 200 * 7)) ] || fail "only $allocs allocations seen, expected >= 22400"
