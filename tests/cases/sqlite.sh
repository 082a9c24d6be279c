# shellcheck shell=bash
# mattn/go-sqlite3 used correctly (in-memory db, 1000 rows, query, close):
# no C memory definitely, indirectly or possibly lost. The library's cgo
# build (sqlite3.c) is slow the first time; go's cache in tests/out keeps it.
# go: both
# timeout: 600
. "$ROOT/tests/lib.sh"
need_go
go_env
[ -d "$GOPATH/src/github.com/mattn/go-sqlite3" ] ||
    skip "mattn/go-sqlite3 not found in GOPATH=$GOPATH (Debian: golang-github-mattn-go-sqlite3-dev)"
bin=$(go_build tests/progs/sqlite sqlite) || exit 1
native=$("$bin") || fail "the sqlite program fails natively"
expect_eq "$native" "rows=1000 selected=10" "native output"
need_cgoheap

ch_run -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_eq "$(cat "$WORK/stdout")" "$native" "output under cgoheap"
expect_eq "$(summary definite "$WORK/report")" "0 0" "definitely lost"
expect_eq "$(summary indirect "$WORK/report")" "0 0" "indirectly lost"
expect_eq "$(summary possible "$WORK/report")" "0 0" "possibly lost"
# sqlite allocates through malloc for every statement: the agent must have
# seen thousands of allocations, or "no leaks" would mean nothing.
allocs=$(sed -nE 's/.*total heap usage: ([0-9,]+) allocs.*/\1/p' "$WORK/report" | tr -d ,)
[ -n "$allocs" ] || fail "no 'total heap usage' line"
[ "$allocs" -ge 1000 ] || fail "only $allocs allocations seen for 1000 inserts"
