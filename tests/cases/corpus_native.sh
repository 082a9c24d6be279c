# shellcheck shell=bash
# Every test program builds and behaves as its case expects when run
# natively (no cgoheap): exit statuses and output. A broken corpus would
# otherwise show up as failures of the tool.
# go: both
# timeout: 300
. "$ROOT/tests/lib.sh"
need_go

check() { # check WANT_STATUS BINARY [ARGS...]
    local want=$1 rc=0
    shift
    "$@" </dev/null >"$WORK/out" 2>&1 || rc=$?
    [ "$rc" = "$want" ] || {
        show "$WORK/out"
        fail "$* exited $rc, expected $want"
    }
    echo "ok: $(basename "$1") -> $rc"
}

for name in seed1 seed2 seed3 seed4 goroutines clean goreach godrop stdio; do
    bin=$(go_build "tests/progs/go/$name" "$name") || exit 1
    check 0 "$bin"
done
for spec in exit_os:3 exit_c:5 exit_kill:137 exit_segv:139; do
    bin=$(go_build "tests/progs/go/${spec%:*}" "${spec%:*}") || exit 1
    check "${spec#*:}" "$bin"
done
bin=$(go_build tests/progs/go/exit_abort exit_abort) || exit 1
GOTRACEBACK=crash check 134 "$bin"

for src in tests/progs/c/*.c tests/progs/c/*.cc; do
    bin=$(c_build "$src") || exit 1
    check 0 "$bin"
done
