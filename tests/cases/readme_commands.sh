# shellcheck shell=bash
# The README's first screen runs as written: its commands are taken from
# README.md itself and run with cgoheap and go on PATH, the first in a
# copy of a leaking Go program, the others in a copy of a Go package whose
# test leaks from a cgo preamble function.
# go: both
# timeout: 300
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
go_env
mapfile -t cmds < <(sed -n '/^<!-- first-screen/,/^<!-- end of first-screen/p' "$ROOT/README.md" |
    sed -n 's/^    //p')
expect_eq "${#cmds[@]}" 3 "commands on the README's first screen"
export PATH="$(dirname "$CGOHEAP"):$(dirname "$GO"):$PATH"
command -v cgoheap >/dev/null || fail "cgoheap not on PATH"

run_readme() { # run_readme N DIR: runs command N in a copy of DIR
    local n=$1 dir=$WORK/run$1 rc=0
    rm -rf "$dir" && cp -r "$ROOT/$2" "$dir"
    echo "\$ ${cmds[n]}"
    (cd "$dir" && bash -c "${cmds[n]}") >"$WORK/out$n" 2>&1 || rc=$?
    echo "-> exit $rc"
    RC=$rc
}

run_readme 0 tests/progs/go/seed1
expect_eq "$RC" 23 "check a program: status"
expect_grep 'are definitely lost' "$WORK/out0" "check a program: the leak"
expect_grep "$(cgo_re CString main.main '[0-9]+')" "$WORK/out0" "check a program: the Go line"

for n in 1 2; do
    run_readme $n tests/progs/gotest/cleak
    [ "$RC" -ne 0 ] || fail "gate (command $n): go test passed for a leaking package"
    expect_grep '^FAIL' "$WORK/out$n" "gate (command $n): go test reports FAIL"
    expect_grep 'at 0x[0-9A-F]+: make_buf \(leak\.go:[0-9]+\)' "$WORK/out$n" \
        "gate (command $n): the C function is named, with its line"
done
