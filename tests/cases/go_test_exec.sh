# go test -exec "cgoheap run --error-exitcode=23 --": a package whose test
# leaks C memory fails (with status 23 from the test binary), a package
# that frees it passes.
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
expect_grep 'exit status 23' "$WORK/leaky.out" "the test binary ended with --error-exitcode"
expect_grep 'definitely lost' "$WORK/leaky.out" "the leak is reported in the test output"

rc=0
(cd "$ROOT/tests/progs/gotest/clean" && "$GO" test -count=1 -exec "$exec_cmd" .) \
    >"$WORK/clean.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || {
    show "$WORK/clean.out"
    fail "go test failed for the clean package (exit $rc)"
}
expect_grep '^ok ' "$WORK/clean.out" "go test reports ok"
