# shellcheck shell=bash
# `go test` links test binaries stripped (-s -w): the C function of a cgo
# preamble that leaked has no symbol left. The report still names the C
# call (C.make_buf, after the Go stub _Cfunc_make_buf that made it), and
# with -ldflags=-s=false (which keeps the symbol table) names the function
# with its file and line, as the README says.
# go: both
# timeout: 300
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
go_env
pkg=$ROOT/tests/progs/gotest/cleak
line=$(line_of 'LEAK-make_buf' "$pkg/leak.go") || exit 1
exec_cmd="$CGOHEAP run --error-exitcode=23 --"

rc=0
(cd "$pkg" && "$GO" test -count=1 -v -exec "$exec_cmd" .) >"$WORK/stripped.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "go test passed for the leaking package"
record '77 bytes in 1 blocks are definitely lost' "$WORK/stripped.out" >"$WORK/record"
expect_grep '^==[0-9]+== +at 0x[0-9A-F]+: C\.make_buf \(in .*cleak\.test\)$' "$WORK/record" \
    "the stripped test binary's C frame is named after its cgo call"
expect_grep 'by 0x[0-9A-F]+: .*cleak\.Leak \(leak\.go:[0-9]+\)' "$WORK/record" "the Go caller"

rc=0
(cd "$pkg" && "$GO" test -count=1 -v -ldflags=-s=false -exec "$exec_cmd" .) \
    >"$WORK/symbols.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "go test -ldflags=-s=false passed for the leaking package"
record '77 bytes in 1 blocks are definitely lost' "$WORK/symbols.out" >"$WORK/record"
expect_grep "^==[0-9]+== +at 0x[0-9A-F]+: make_buf \\(leak\\.go:$line\\)$" "$WORK/record" \
    "with -ldflags=-s=false the C function, file and line"
