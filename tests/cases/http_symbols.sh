# shellcheck shell=bash
# One symbolizer serves the profiles and the leak checks of a running
# program while its mappings stay the same (-v says when one is made):
# profiles and leak checks in turn make it once, and the checks still name
# the Go lines of the blocks lost and kept.
# timeout: 180
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
live_build
src=$ROOT/tests/progs/go/live/main.go
leak_line=$(line_of 'C.malloc(C.size_t(size)) // dropped' "$src") || exit 1
keep_line=$(line_of 'kept = append(kept, C.malloc' "$src") || exit 1

live_start --http=127.0.0.1:0 -v
live_cmd "keep 10 1000"
live_cmd "leak 3 100"
fetch debug/pprof/heap "$WORK/heap.pb.gz"
fetch debug/cgoheap/leaks "$WORK/leaks1"
fetch 'debug/pprof/heap?debug=1' "$WORK/legacy"
fetch 'debug/cgoheap/leaks?kinds=reachable' "$WORK/leaks2"
fetch 'debug/cgoheap/leaks?format=pprof' "$WORK/leaks.pb.gz"
fetch debug/pprof/delta_heap "$WORK/delta.pb.gz"
made=$(grep -cE '^cgoheap: symbolizer [0-9]+ made for [0-9]+ modules' "$WORK/stderr" || true)
expect_eq "$made" 1 "symbolizers made for three profiles and three leak checks"
expect_grep "allocated by C\.malloc in main\.leakBlocks \(main\.go:$leak_line\)" "$WORK/leaks1" \
    "the first check names the lost blocks' Go line"
expect_grep "main\.keepBlocks \(main\.go:$keep_line\)" "$WORK/leaks2" \
    "a later check names the kept blocks' Go line"
expect_grep "main\.keepBlocks	.*main\.go:$keep_line$" "$WORK/legacy" "the profile's frame lines"
"$PPROFCHECK" "$WORK/leaks.pb.gz" >"$WORK/leaks.txt" || fail "the leak check's profile is invalid"
expect_grep '^sample 3,300,3,300 .*kind=definite \| .*main\.leakBlocks;main\.main;' \
    "$WORK/leaks.txt" "the leak check's profile, with the kept symbolizer"
live_exit 0
expect_eq "$RC" 0 "exit status"
