# shellcheck shell=bash
# The target's stdout is byte-identical with and without cgoheap, stdin
# reaches the target, its stderr stays on stderr, and --log-file takes the
# report away from stderr.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
bin=$(go_build tests/progs/go/stdio stdio) || exit 1
cat_bin=$(c_build tests/progs/c/cat.c) || exit 1

"$bin" >"$WORK/native.out" 2>/dev/null </dev/null || fail "stdio program failed natively"
ch_run -- "$bin"
expect_eq "$RC" 0 "exit status"
cmp "$WORK/native.out" "$WORK/stdout" || fail "stdout differs under cgoheap"
expect_grep '^stderr line$' "$WORK/report" "the program's stderr passes through"

# stdin: piped text comes out unchanged, through a Go and a C program.
printf 'x\nsecond line\n' >"$WORK/input"
STDIN=$WORK/input ch_run -- "$bin" cat
cat "$WORK/native.out" "$WORK/input" | cmp - "$WORK/stdout" || fail "stdin did not pass through (Go)"
RC=0
echo x | "$CGOHEAP" run -- "$cat_bin" 7 >"$WORK/cat.out" 2>"$WORK/report" || RC=$?
expect_eq "$(cat "$WORK/cat.out")" x "stdin to stdout through the C filter"
expect_eq "$RC" 7 "the C filter's exit status"

# --log-file: the report goes to the file, the program's stderr does not.
RC=0
"$CGOHEAP" run --log-file="$WORK/log" -- "$bin" >/dev/null 2>"$WORK/stderr" </dev/null || RC=$?
expect_eq "$RC" 0 "exit status with --log-file"
expect_grep '^==[0-9]+== (HEAP SUMMARY:|All heap blocks were freed)' "$WORK/log" "report in --log-file"
expect_no_grep '^==[0-9]+== ' "$WORK/stderr" "no report lines on stderr with --log-file"
expect_grep '^stderr line$' "$WORK/stderr" "the program's stderr with --log-file"
expect_no_grep '^stderr line$' "$WORK/log" "program stderr kept out of the log file"
