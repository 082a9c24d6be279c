# shellcheck shell=bash
# When the record's stack table is full, the blocks allocated after that
# have no stack: the report says how many and why (it said nothing).
# CGOHEAP_STACK_CAP makes the table small, so it fills in a moment.
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/many_stacks.c) || exit 1

CGOHEAP_STACK_CAP=1024 ch_run --show-leak-kinds=all -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_grep '\(no stack recorded\)' "$WORK/report" "some blocks lost their stack"
n=$(sed -nE 's/.*note: ([0-9,]+) blocks \([0-9,]+ bytes\) in use at exit have no stack, shown as "\(no stack recorded\)": the record.s stack table was full \([0-9,]+ distinct stacks\)$/\1/p' \
    "$WORK/report" | tr -d ,)
[ -n "$n" ] || { show "$WORK/report"; fail "no note about the blocks without a stack"; }
# The note's count is the stackless record's block count.
rec=$(grep -B1 -E '^==[0-9]+== +at \(no stack recorded\)' "$WORK/report" |
    sed -nE 's/^==[0-9]+== ([0-9,]+) bytes in ([0-9,]+) blocks are .*/\2/p' | tr -d , |
    awk '{ s += $1 } END { print s + 0 }')
expect_eq "$n" "$rec" "blocks without a stack: note vs records"

# With the full table, every block has its stack and there is no note.
ch_run --show-leak-kinds=all -- "$bin"
expect_no_grep 'no stack recorded' "$WORK/report" "full-size table"
