# shellcheck shell=bash
# C memory held only by a Go object that nothing live points to any more (a
# wrapper dropped without Close) is "held by Go garbage": shown and an error
# by default. Behind a finalizer it says so and is no error by default; held
# from a global it is still reachable, and --show-roots names the global.
# A dropped object first in its span is garbage too, though the runtime's
# span records (and mheap_.pages.searchAddr) hold its address as a uintptr.
# A dropped 8-byte object without pointers that Go's tiny allocator put in
# one 16-byte block with a live one stays held: the block lives while
# either does, as for Go's collector, and --show-roots says it may be one.
# Each answer must be the same in 20 runs.
# go: both
# timeout: 600
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
src=$ROOT/tests/progs/go/gogarbage/main.go
bin=$(go_build tests/progs/go/gogarbage gogarbage) || exit 1
line=$(line_of 'buf: C.malloc(' "$src") || exit 1
rec='^==[0-9]+== 4,321 bytes in 1 blocks are '

# the one header of the wrapper's block, or "none"
header() {
    local h
    h=$(grep -E "${rec}" "$WORK/report" | sed -E 's/^==[0-9]+== //; s/ in loss record.*//')
    echo "${h:-none}"
}

for i in $(seq 20); do
    ch_run --error-exitcode=42 -- "$bin" drop
    expect_eq "$(header)" "4,321 bytes in 1 blocks are held by Go garbage" "drop, run $i"
    expect_eq "$RC" 42 "drop is an error by default, run $i"

    ch_run --error-exitcode=42 -- "$bin" finalizer
    expect_eq "$(header)" "4,321 bytes in 1 blocks are held by Go garbage with a finalizer" \
        "finalizer, run $i"
    expect_eq "$RC" 0 "behind a finalizer is no error by default, run $i"

    ch_run --show-roots --show-leak-kinds=all -- "$bin" first
    expect_eq "$(header)" "4,321 bytes in 1 blocks are held by Go garbage" \
        "first in its span, run $i"

    ch_run --error-exitcode=42 --show-roots --show-leak-kinds=all -- "$bin" global
    expect_eq "$(header)" "4,321 bytes in 1 blocks are still reachable" "global, run $i"
    expect_eq "$RC" 0 "still reachable, run $i"
    expect_record "${rec}still reachable" \
        'held by global main\.kept\+0 in gogarbage, through a Go object of 16 bytes at 0x' \
        "$(cgo_re malloc main.newWrapper "$line")"
done

tline=$(line_of 'h.p = uintptr(C.malloc(' "$src") || exit 1
for i in $(seq 10); do
    ch_run --show-roots --show-leak-kinds=all -- "$bin" tiny
    expect_eq "$(header)" "4,321 bytes in 1 blocks are still reachable" "tiny, run $i"
done
expect_record "${rec}still reachable" "$(cgo_re malloc main.dropTiny "$tline")" \
    'held by global main\.keptTiny\+0 in gogarbage, through a Go object of 16 bytes at 0x[0-9a-f]+ \(type unknown; no pointers: maybe a tiny block of several objects, held while one lives\)'

# The record, the summary and the kind names.
ch_run --show-roots -- "$bin" drop
expect_record "${rec}held by Go garbage" "$(cgo_re malloc main.newWrapper "$line")" \
    'held by nothing live: Go garbage, through a Go object of 16 bytes at 0x'
expect_grep '^==[0-9]+== held by Go garbage: 4,321 bytes in 1 blocks' "$WORK/report"
expect_grep '^==[0-9]+==   with a finalizer: 0 bytes in 0 blocks' "$WORK/report"
ch_run --show-leak-kinds=definite -- "$bin" drop
expect_eq "$(header)" "none" "--show-leak-kinds=definite hides it"
ch_run --error-exitcode=42 --errors-for-leak-kinds=definite -- "$bin" drop
expect_eq "$RC" 0 "--errors-for-leak-kinds=definite: not an error"
ch_run --error-exitcode=42 --errors-for-leak-kinds=gofinalizer -- "$bin" finalizer
expect_eq "$RC" 42 "--errors-for-leak-kinds=gofinalizer makes it one"
ch_run --show-leak-kinds=gofinalizer -- "$bin" finalizer
expect_record "${rec}held by Go garbage with a finalizer" \
    "$(cgo_re malloc main.newWrapper "$line")"

# JSON, pprof and folded stacks carry it too.
ch_run --json="$WORK/out.json" --folded="$WORK/folded" --pprof="$WORK/out.pb.gz" -- "$bin" drop
expect_grep '"held_by_go_garbage": *\{"bytes": *4321, *"blocks": *1\}' "$WORK/out.json"
expect_grep '"kind": *"gogarbage"' "$WORK/out.json"
expect_grep 'main\.newWrapper 4321$' "$WORK/folded"
[ -s "$WORK/out.pb.gz" ] || fail "no pprof profile"
ch_run --json="$WORK/roots.json" --show-roots -- "$bin" global
expect_grep '"root": *"global main\.kept\+0 in gogarbage' "$WORK/roots.json"

# -v says where the pointer bits came from and what reading the heap cost.
case $GOVER in go1.19 | go1.2[01]) from='heap arena bitmaps' ;; *) from='span bits and type headers' ;; esac
ch_run -v -- "$bin" drop
expect_grep "^cgoheap: Go heap: [0-9]+ in-use spans, [0-9]+ objects; pointers from $from; read in [0-9.]+ s of CPU, [0-9.]+ s of it for the spans' pointer bits\$" \
    "$WORK/report" "-v names the Go heap's read and its CPU time"

# A plain C program is untouched: no such summary line.
ch_run -- "$(c_build tests/progs/c/two_leaks.c)"
expect_no_grep 'Go garbage' "$WORK/report"
