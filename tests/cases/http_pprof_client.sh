# shellcheck shell=bash
# go tool pprof, the real client, fetches every profile --http serves over
# HTTP and prints the program's Go lines: /debug/pprof/heap, /allocs,
# /delta_heap, /heap?seconds=N (blocks kept inside the window) and
# /debug/cgoheap/leaks?format=pprof (the blocks dropped, at their line;
# that one is the exit --pprof, cgo glue included).
# go: both
# timeout: 240
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
live_build
src=$ROOT/tests/progs/go/live/main.go
keep_line=$(line_of 'kept = append(kept, C.malloc' "$src") || exit 1
leak_line=$(line_of 'C.malloc(C.size_t(size)) // dropped' "$src") || exit 1

# top NAME URL_PATH [PPROF_OPTIONS...]: go tool pprof -top -lines over HTTP into $WORK/NAME.top
top() {
    local name=$1 path=$2
    shift 2
    "$GO" tool pprof -top -lines "$@" "$URL/$path" >"$WORK/$name.top" 2>"$WORK/$name.err" || {
        show "$WORK/$name.err"
        fail "go tool pprof cannot fetch /$path"
    }
}

live_start --http=127.0.0.1:0
live_cmd "keep 100 1000"
live_cmd "leak 7 777"

for p in heap allocs delta_heap; do
    top "$p" "debug/pprof/$p"
    expect_grep "main\.keepBlocks .*main\.go:$keep_line\$" "$WORK/$p.top" \
        "/$p: keepBlocks at its C.malloc line"
    expect_grep 'main\.main .*main\.go:[0-9]+$' "$WORK/$p.top" "/$p: main.main"
    expect_no_grep '_Cfunc_|runtime\.cgocall|_cgo_' "$WORK/$p.top" "/$p: cgo glue is hidden"
done
expect_grep '^Type: alloc_space$' "$WORK/allocs.top" "/allocs shows alloc_space"

# ?seconds=2: the program keeps blocks until pprof has its answer, so some are kept inside the
# window whenever pprof's request reaches the server (blocks of 100 kB: the bulk of the bytes
# allocated, whatever else the program allocates meanwhile).
"$GO" tool pprof -top -lines -sample_index=alloc_space \
    "$URL/debug/pprof/heap?seconds=2" >"$WORK/seconds.top" 2>"$WORK/seconds.err" &
client=$!
while kill -0 "$client" 2>/dev/null; do
    live_cmd "keep 1 100000"
done
wait "$client" || {
    show "$WORK/seconds.err"
    fail "go tool pprof cannot fetch /debug/pprof/heap?seconds=2"
}
expect_grep "main\.keepBlocks .*main\.go:$keep_line\$" "$WORK/seconds.top" \
    "?seconds=2: the blocks kept in the window, at their line"
expect_grep '^Duration: [0-9.]+s' "$WORK/seconds.top" "?seconds=2: pprof reads the duration"
expect_no_grep '_Cfunc_|runtime\.cgocall|_cgo_' "$WORK/seconds.top" "?seconds=2: cgo glue is hidden"

top leaks 'debug/cgoheap/leaks?format=pprof' -sample_index=inuse_space -tagfocus=kind=definite
expect_grep "main\.leakBlocks .*main\.go:$leak_line\$" "$WORK/leaks.top" \
    "the leak check: the dropped blocks at their line"
expect_no_grep 'main\.keepBlocks' "$WORK/leaks.top" "the leak check: no kept block is lost"

live_exit 0
expect_eq "$RC" 0 "exit status"
