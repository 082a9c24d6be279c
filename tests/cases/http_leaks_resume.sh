# shellcheck shell=bash
# A leak check stops the program only to copy what the marking reads: the
# marking comes after the resume, from the copy, so the reported pause is
# shorter than the check, and the program's own clock ticks fall between
# the resume and the end of the marking (the JSON's monotonic_us). Its
# answer is that of the stop: a thread keeps replacing kept blocks and
# freeing the old ones meanwhile, and twenty checks each find exactly the
# 7 dropped blocks lost and nothing else lost. The text report and
# /metrics say when the marking was done.
# timeout: 600
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
need_cgoheap
command -v curl >/dev/null || skip "curl not installed"
command -v jq >/dev/null || skip "jq not installed"
bin=$(c_build tests/progs/c/busy.c) || exit 1

mkfifo "$WORK/in"
exec 4<>"$WORK/in"
# 32 MiB kept in 32,768 blocks: marking it takes long enough to see the program run meanwhile.
"$CGOHEAP" run --log-file="$WORK/log" --http=127.0.0.1:0 -- "$bin" 32768 1024 <"$WORK/in" 4>&- \
    >"$WORK/stdout" 2>"$WORK/stderr" &
PID=$!
trap 'kill "$PID" 2>/dev/null' EXIT
wait_for grep -q '^ready$' "$WORK/stdout" || fail "the program did not start"
URL=$(sed -n 's/^cgoheap: serving \(.*\)\/debug\/pprof\/ and .*/\1/p' "$WORK/log")

# ticks A B: the program's ticks between A and B (monotonic microseconds).
nasked=0
answered() { [ "$(grep -c '^ticks ' "$WORK/stdout")" -ge "$nasked" ]; }
ticks() {
    echo "ticks $1 $2" >&4
    nasked=$((nasked + 1))
    wait_for answered || fail "the program did not answer 'ticks'"
    grep '^ticks ' "$WORK/stdout" | tail -n 1 | cut -d' ' -f2
}

for i in $(seq 20); do
    fetch 'debug/cgoheap/leaks?format=json' "$WORK/j"
    expect_eq "$(jq -c '.summary.definitely_lost' "$WORK/j")" '{"bytes":5439,"blocks":7}' \
        "check $i: the dropped blocks, as at the stop"
    expect_eq "$(jq -c '[.summary.indirectly_lost.blocks, .summary.possibly_lost.blocks]' "$WORK/j")" \
        '[0,0]' "check $i: nothing else lost while blocks are replaced"
    expect_eq "$(jq '.summary.still_reachable.blocks >= 32768' "$WORK/j")" true "check $i: kept"
    expect_eq "$(jq '.live_check.marked_after_resume' "$WORK/j")" true "check $i: marked after"
    expect_eq "$(jq '.live_check | .pause_us < .check_us' "$WORK/j")" true \
        "check $i: the pause is shorter than the check"
    read -r stop resume marked < <(jq -r '.live_check.monotonic_us | "\(.stop) \(.resume) \(.marked)"' "$WORK/j")
    if [ "$stop" -gt "$resume" ] || [ "$resume" -ge "$marked" ]; then
        fail "check $i: stop $stop, resume $resume, marked $marked"
    fi
    n=$(ticks "$resume" "$marked")
    [ "$n" -ge 1 ] || fail "check $i: the program did not run while the check marked ($((marked - resume)) us)"
    echo "check $i: pause $((resume - stop)) us, marking $((marked - resume)) us, $n ticks meanwhile"
done

fetch debug/cgoheap/leaks "$WORK/text"
expect_grep '^==[0-9]+== cgoheap: marked after the resume in [0-9.]+ ms; the check took [0-9.]+ ms$' \
    "$WORK/text" "the text report says when the marking was done"
fetch metrics "$WORK/m"
awk '$1 == "cgoheap_leak_check_seconds" { s = $2 } $1 == "cgoheap_leak_check_pause_seconds" { p = $2 }
     END { exit !(p > 0 && s > p) }' "$WORK/m" || fail "/metrics: the pause and the whole check"
expect_grep '^cgoheap_leak_check_marked_while_stopped 0$' "$WORK/m" "/metrics: marked after the resume"

exec 4>&-
RC=0
wait "$PID" || RC=$?
trap - EXIT
expect_eq "$RC" 0 "the program's exit status"
expect_eq "$(tail -n 1 "$WORK/stdout")" bye "the program's own output"
