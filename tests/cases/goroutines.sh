# shellcheck shell=bash
# C.CBytes in one goroutine and C.malloc in another: two records, each
# naming its own goroutine function and line.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
src=$ROOT/tests/progs/go/goroutines/main.go
bin=$(go_build tests/progs/go/goroutines goroutines) || exit 1
cbytes_line=$(line_of 'C.CBytes(' "$src") || exit 1
malloc_line=$(line_of 'C.malloc(' "$src") || exit 1

ch_run --show-leak-kinds=all -- "$bin"
expect_eq "$RC" 0 "exit status"
# cgo wraps a call whose arguments hold Go pointers (the []byte) in a
# closure, so the innermost Go frame may be main.cbytesWorker.func1 at the
# same line; the record must still show main.cbytesWorker itself.
expect_record '^==[0-9]+== 32 bytes in 1 blocks are ' \
    "$(cgo_re CBytes 'main\.cbytesWorker(\.func[0-9]+)?' "$cbytes_line")" \
    "$(frame_re main.cbytesWorker main.go "$cbytes_line")"
expect_record '^==[0-9]+== 48 bytes in 1 blocks are ' \
    "$(cgo_re malloc main.mallocWorker "$malloc_line")"
