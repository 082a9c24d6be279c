# shellcheck shell=bash
# go test -exec "cgoheap run --error-exitcode=23 --": a package whose test
# leaks C memory fails although its test passes, a package that frees it
# passes. (go test does not print the binary's status, so the leaking test
# binary is also run directly to see its 23.)
# go: both
# timeout: 300
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
go_env
exec_cmd="$CGOHEAP run --error-exitcode=23 --"

rc=0
(cd "$ROOT/tests/progs/gotest/leaky" && "$GO" test -count=1 -exec "$exec_cmd" .) \
    >"$WORK/leaky.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || {
    show "$WORK/leaky.out"
    fail "go test passed for the leaking package"
}
expect_grep '^PASS$' "$WORK/leaky.out" "the leaking package's test itself passes"
expect_grep '^FAIL' "$WORK/leaky.out" "go test reports FAIL"
expect_grep 'are definitely lost' "$WORK/leaky.out" "the leak is reported in the test output"
(cd "$ROOT/tests/progs/gotest/leaky" && "$GO" test -c -o "$WORK/leaky.test" .) ||
    fail "cannot build the test binary"
ch_run --error-exitcode=23 -- "$WORK/leaky.test"
expect_eq "$RC" 23 "status of the leaking test binary under cgoheap"

rc=0
(cd "$ROOT/tests/progs/gotest/clean" && "$GO" test -count=1 -exec "$exec_cmd" .) \
    >"$WORK/clean.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || {
    show "$WORK/clean.out"
    fail "go test failed for the clean package (exit $rc)"
}
expect_grep '^ok ' "$WORK/clean.out" "go test reports ok"
