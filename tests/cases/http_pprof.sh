# shellcheck shell=bash
# --http serves the live C heap of a running cgo program: go tool pprof
# (the real client) fetches /debug/pprof/heap and shows the Go function and
# line that keeps C blocks; every profile served passes google/pprof's
# Parse + CheckValid with a mapping for every location; the legacy text,
# /allocs, the index, ?gc=1 and a unix socket work; a non-loopback address
# is refused; the program's output and exit status are unchanged. Live
# samples are per stack with no leak kind (nothing was scanned); the exit
# report's --pprof, written with the same writer, keeps one sample per kind.
# go: both
# timeout: 180
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
live_build
src=$ROOT/tests/progs/go/live/main.go
keep_line=$(line_of 'kept = append(kept, C.malloc' "$src") || exit 1

live_start --http=127.0.0.1:0 --pprof="$WORK/exit.pb.gz"
live_cmd "keep 100 1000"

# The real client, over HTTP.
"$GO" tool pprof -top -lines -sample_index=inuse_space "$URL/debug/pprof/heap" \
    >"$WORK/top" 2>"$WORK/top.err" || {
    show "$WORK/top.err"
    fail "go tool pprof cannot fetch the live profile"
}
expect_grep "main\.keepBlocks .*main\.go:$keep_line" "$WORK/top" \
    "pprof -top -lines shows keepBlocks at its C.malloc line"
expect_grep 'main\.main .*main\.go:[0-9]+' "$WORK/top" "pprof -top -lines shows main.main"
expect_no_grep '_Cfunc_|runtime\.cgocall|_cgo_' "$WORK/top" "cgo glue is hidden"

# Every endpoint's profile, checked by google/pprof's own parser.
for p in heap allocs 'heap?gc=1' delta_heap 'heap?seconds=1'; do
    f=$WORK/$(echo "$p" | tr -c 'a-z0-9\n' _).pb.gz
    fetch "debug/pprof/$p" "$f"
    "$PPROFCHECK" "$f" >"$f.txt" || fail "/debug/pprof/$p is not a valid profile"
    expect_grep '^types alloc_objects/count,alloc_space/bytes,inuse_objects/count,inuse_space/bytes$' \
        "$f.txt" "$p: Go's heap sample types"
    expect_grep '^period space/bytes 1$' "$f.txt" "$p: period type and rate"
    expect_no_grep '^sample .* kind=' "$f.txt" "$p: live samples carry no leak kind"
done
expect_eq "$(sum_of "$WORK/heap.pb.gz.txt" main.keepBlocks)" 100,100000,100,100000 \
    "keepBlocks: alloc_objects, alloc_space, inuse_objects, inuse_space"
expect_grep '^sample 100,100000,100,100000 age=[0-9]+\[seconds\] bytes=1000 ' "$WORK/heap.pb.gz.txt" \
    "keepBlocks' sample has Go's numeric bytes label"
# Later profiles take each stack's locations from the launcher's cache: the same stacks.
fetch debug/pprof/heap "$WORK/heap2.pb.gz"
"$PPROFCHECK" "$WORK/heap2.pb.gz" >"$WORK/heap2.txt" || fail "a second /heap is not valid"
stacks() { sed -n 's/^sample .* | //p' "$1" | sort -u; }
stacks "$WORK/heap.pb.gz.txt" >"$WORK/stacks1"
stacks "$WORK/heap2.txt" >"$WORK/stacks2"
comm -23 "$WORK/stacks1" "$WORK/stacks2" >"$WORK/lost"
[ ! -s "$WORK/lost" ] || {
    show "$WORK/lost"
    fail "stacks of the first /heap that the second names otherwise"
}
expect_eq "$(sum_of "$WORK/heap2.txt" main.keepBlocks)" 100,100000,100,100000 "keepBlocks, again"
expect_grep '^default alloc_space$' "$WORK/allocs.pb.gz.txt" "/allocs shows alloc_space first"
expect_grep '^default $' "$WORK/heap.pb.gz.txt" "/heap keeps inuse_space first"
expect_grep '^duration [0-9]{10}$' "$WORK/heap_seconds_1.pb.gz.txt" "?seconds=1 sets DurationNanos"

# Go's legacy text format, the index, errors.
fetch 'debug/pprof/heap?debug=1' "$WORK/legacy"
expect_grep '^heap profile: [0-9]+: [0-9]+ \[[0-9]+: [0-9]+\] @ heap/2$' "$WORK/legacy" \
    "?debug=1 starts with Go's legacy header"
expect_grep '^100: 100000 \[100: 100000\] @( 0x[0-9a-f]+)+$' "$WORK/legacy" "keepBlocks' record"
expect_grep "^#	0x[0-9a-f]+	main\.keepBlocks	.*main\.go:$keep_line$" "$WORK/legacy" \
    "the legacy record's frame lines"
"$GO" tool pprof -top "$WORK/legacy" >"$WORK/legacy.top" 2>&1 ||
    fail "go tool pprof cannot read the legacy text"
fetch 'debug/pprof/' "$WORK/index"
expect_grep "href='heap\?debug=1'" "$WORK/index" "the index links the heap profile"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/debug/pprof/goroutine")
expect_eq "$code" 404 "a profile cgoheap does not have"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/debug/pprof/heap?seconds=x")
expect_eq "$code" 400 "a bad seconds parameter"

live_exit 3
expect_eq "$RC" 3 "cgoheap's exit status is the program's"
expect_eq "$(tail -n 1 "$WORK/stdout")" "bye with 100 blocks kept" "the program's own output"
expect_grep 'definitely lost|LEAK SUMMARY' "$WORK/log" "the exit report still comes"
"$PPROFCHECK" "$WORK/exit.pb.gz" >"$WORK/exit.txt" || fail "the exit --pprof is not a valid profile"
expect_grep '^sample .* kind=[a-z]+ \|' "$WORK/exit.txt" "the exit --pprof has leak kinds"
grep '^sample ' "$WORK/exit.txt" | grep -Ev ' kind=[a-z]+ \|' >"$WORK/nokind" || true
[ ! -s "$WORK/nokind" ] || {
    show "$WORK/nokind"
    fail "samples of the exit --pprof without a leak kind"
}
keep_sum=$(awk '$1 == "sample" && index($0, "main.keepBlocks;") {
    split($2, v, ","); for (i = 1; i <= 4; i++) t[i] += v[i] }
    END { print t[1] "," t[2] "," t[3] "," t[4] }' "$WORK/exit.txt")
expect_eq "$keep_sum" 100,100000,100,100000 "keepBlocks' per-kind samples sum to its figures"

# A unix socket.
sock=$WORK/s.sock
live_start --http=unix:"$sock"
expect_eq "$URL" "unix:$sock" "the served address"
curl -sS --unix-socket "$sock" -o "$WORK/u.pb.gz" http://x/debug/pprof/heap ||
    fail "no profile over the unix socket"
"$PPROFCHECK" "$WORK/u.pb.gz" >/dev/null || fail "the unix socket's profile is invalid"
live_exit 0
[ ! -e "$sock" ] || fail "the socket is left behind"

# Only loopback unless asked: the program does not even start.
RC=0
"$CGOHEAP" run --http=0.0.0.0:0 -- "$LIVE" /nonexistent >"$WORK/o" 2>"$WORK/e" || RC=$?
[ "$RC" != 0 ] || fail "a non-loopback address was accepted"
expect_grep 'not a loopback address.*--http-allow-remote' "$WORK/e" "says why and what to do"
expect_eq "$(wc -l <"$WORK/e")" 1 "one line of error"
[ ! -s "$WORK/o" ] || fail "the program ran"
