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

# Report files that already exist, longer than the new reports, are replaced
# whole: nothing of the old content is left after the new one.
for f in log2 json2 pprof2; do
    head -c 300000 /dev/zero | tr '\0' 'J' >"$WORK/$f"
done
RC=0
"$CGOHEAP" run --log-file="$WORK/log2" --json="$WORK/json2" --pprof="$WORK/pprof2" -- "$bin" \
    >/dev/null 2>/dev/null </dev/null || RC=$?
expect_eq "$RC" 0 "exit status over existing report files"
expect_no_grep 'JJJ' "$WORK/log2" "old content left in --log-file"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$WORK/json2" ||
    fail "--json over a longer file is not valid JSON"
gzip -t "$WORK/pprof2" 2>/dev/null || fail "--pprof over a longer file is not a clean gzip file"
