# shellcheck shell=bash
# --http's /debug/cgoheap/leaks checks a running cgo program for leaks: the
# blocks it dropped are definitely lost at the Go line that allocated them,
# the ones it keeps are still reachable and never reported lost, as text,
# JSON (with the pause) and pprof (google/pprof's checks, a kind per
# sample); ?kinds= picks what the text shows, bad parameters are a 400;
# /metrics gains the last check's pause and definitely lost bytes;
# concurrent checks all answer (one at a time). Twenty checks, each with a
# SIGUSR1 sent to the program meanwhile: every signal reaches it, and its
# output and exit status are unchanged; the exit report agrees.
# go: both
# timeout: 240
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
live_build
command -v jq >/dev/null || skip "jq not installed"
src=$ROOT/tests/progs/go/live/main.go
leak_line=$(line_of 'C.malloc(C.size_t(size)) // dropped' "$src") || exit 1
keep_line=$(line_of 'kept = append(kept, C.malloc' "$src") || exit 1

metric() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }

live_start --http=127.0.0.1:0 --json="$WORK/exit.json"
live_cmd "keep 100 1000"
live_cmd "leak 7 777"
prog=$(pgrep -P "$PID" | head -n 1)
[ -n "$prog" ] || fail "no program under cgoheap"

fetch debug/cgoheap/leaks "$WORK/text"
expect_grep '^==[0-9]+== cgoheap: checked while running: [0-9]+ threads stopped for [0-9.]+ ms$' \
    "$WORK/text" "the text report says the check's pause"
expect_grep '^==[0-9]+== +in use now: ' "$WORK/text" "the heap in use is the program's now"
expect_grep '5,439 bytes in 7 blocks are definitely lost' "$WORK/text" "the dropped blocks are lost"
expect_grep "allocated by C\.malloc in main\.leakBlocks \(main\.go:$leak_line\)" "$WORK/text" \
    "at the Go line that allocated them"
expect_grep 'still reachable: 100,000 bytes in 100 blocks' "$WORK/text" "the kept blocks are held"
expect_no_grep 'main\.keepBlocks' "$WORK/text" "no kept block is shown among the lost"

fetch 'debug/cgoheap/leaks?kinds=reachable' "$WORK/reach"
expect_grep "100,000 bytes in 100 blocks are still reachable" "$WORK/reach" "?kinds=reachable"
expect_grep "main\.keepBlocks \(main\.go:$keep_line\)" "$WORK/reach" "the kept blocks' Go line"
expect_no_grep 'are definitely lost in loss record' "$WORK/reach" "only the kinds asked for"

fetch 'debug/cgoheap/leaks?format=json' "$WORK/json"
expect_eq "$(jq -c '.summary.definitely_lost' "$WORK/json")" '{"bytes":5439,"blocks":7}' \
    "JSON: definitely lost"
expect_eq "$(jq -c '.summary.still_reachable.blocks >= 100' "$WORK/json")" true "JSON: held"
expect_eq "$(jq '.scanned' "$WORK/json")" true "JSON: the memory was scanned"
expect_eq "$(jq '.live_check.pause_us > 0 and .live_check.threads_stopped > 1' "$WORK/json")" \
    true "JSON: the pause and the threads stopped"

fetch 'debug/cgoheap/leaks?format=pprof' "$WORK/leaks.pb.gz"
"$PPROFCHECK" "$WORK/leaks.pb.gz" >"$WORK/leaks.txt" || fail "the pprof leak report is invalid"
expect_grep '^sample 7,5439,7,5439 .*kind=definite \| .*main\.leakBlocks;main\.main;' "$WORK/leaks.txt" \
    "pprof: the lost blocks under kind=definite"

for bad in 'format=xml' 'kinds=lost'; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/debug/cgoheap/leaks?$bad")
    expect_eq "$code" 400 "?$bad is refused"
done

fetch metrics "$WORK/m"
promtool check metrics <"$WORK/m" >"$WORK/m.lint" 2>&1 || {
    show "$WORK/m.lint"
    fail "promtool check metrics rejects /metrics"
}
expect_eq "$(metric "$WORK/m" cgoheap_leak_check_definitely_lost_bytes)" 5439 \
    "/metrics: definitely lost at the last check"
awk '$1 == "cgoheap_leak_check_pause_seconds" { exit !($2 > 0 && $2 < 10) }' "$WORK/m" ||
    fail "/metrics: the last check's pause"
checks=$(metric "$WORK/m" cgoheap_leak_checks_total)

# Concurrent checks: each one answers, with the same figures.
pids=
for i in 1 2 3 4; do
    curl -sS -o "$WORK/c$i" -w '%{http_code}' "$URL/debug/cgoheap/leaks?format=json" >"$WORK/code$i" &
    pids="$pids $!"
done
for p in $pids; do wait "$p"; done
for i in 1 2 3 4; do
    expect_eq "$(cat "$WORK/code$i")" 200 "concurrent check $i"
    expect_eq "$(jq -c '.summary.definitely_lost' "$WORK/c$i")" '{"bytes":5439,"blocks":7}' \
        "concurrent check $i: definitely lost"
done
fetch metrics "$WORK/m2"
expect_eq "$(metric "$WORK/m2" cgoheap_leak_checks_total)" "$((checks + 4))" "four more checks"

# Twenty checks, a SIGUSR1 to the program during each: none is lost.
for i in $(seq 20); do
    check_with_signal "$prog" "$WORK/loop"
    expect_grep '5,439 bytes in 7 blocks are definitely lost' "$WORK/loop" "check $i: lost"
    expect_grep 'still reachable: 100,000 bytes in 100 blocks' "$WORK/loop" "check $i: held"
done
counted() {
    live_cmd sigs
    [ "$(grep '^sigusr1 ' "$WORK/stdout" | tail -n 1)" = "sigusr1 20" ]
}
wait_for counted || {
    show "$WORK/stdout"
    fail "the program did not get the 20 SIGUSR1s sent during checks"
}

live_exit 3
expect_eq "$RC" 3 "cgoheap's exit status is the program's"
expect_eq "$(tail -n 1 "$WORK/stdout")" "bye with 100 blocks kept" "the program's own output"
expect_eq "$(grep -c '^ok ' "$WORK/stdout")" "$NACK" "one acknowledgement per command"
expect_eq "$(jq -c '.summary.definitely_lost' "$WORK/exit.json")" '{"bytes":5439,"blocks":7}' \
    "the exit report finds the same leak"
expect_eq "$(jq '.live_check' "$WORK/exit.json")" null "the exit report is no live check"

# A run that traces only the main thread cannot stop the others: refused, said why.
live_start --http=127.0.0.1:0 --trace-threads=main
code=$(curl -s -o "$WORK/refused" -w '%{http_code}' "$URL/debug/cgoheap/leaks")
expect_eq "$code" 503 "a check without every thread traced"
expect_grep 'trace-threads=all' "$WORK/refused" "says what to do"
live_exit 0
expect_eq "$RC" 0 "exit status"
