# shellcheck shell=bash
# Leak checks of a running C program whose threads sit in read(2) on a pipe
# and on stdin, poll(2), nanosleep(2), a SIGUSR1 handler spinning in C, and
# thread starts and exits: twenty checks, each with a SIGUSR1 sent
# meanwhile. No call fails with EINTR (the stops restart them), no sleep is
# cut short, every signal is handled, the lost and the held block are told
# apart each time, and the program's output and exit status are its own.
# timeout: 180
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
need_cgoheap
command -v curl >/dev/null || skip "curl not installed"
src=tests/progs/c/blocked.c
bin=$(c_build "$src") || exit 1
leak_line=$(line_of 'void *volatile p = malloc(4242);' "$ROOT/$src") || exit 1

mkfifo "$WORK/in"
exec 4<>"$WORK/in" # the program reads its stdin until this closes
"$CGOHEAP" run --log-file="$WORK/log" --http=127.0.0.1:0 -- "$bin" <"$WORK/in" 4>&- \
    >"$WORK/stdout" 2>"$WORK/stderr" &
PID=$!
trap 'kill "$PID" 2>/dev/null' EXIT
wait_for grep -q '^ready$' "$WORK/stdout" || fail "the program did not start"
URL=$(sed -n 's/^cgoheap: serving \(.*\)\/debug\/pprof\/ and .*/\1/p' "$WORK/log")
prog=$(pgrep -P "$PID" | head -n 1)
[ -n "$prog" ] || fail "no program under cgoheap"

for i in $(seq 20); do
    check_with_signal "$prog" "$WORK/check"
    expect_grep '4,242 bytes in 1 blocks are definitely lost' "$WORK/check" "check $i: the lost block"
    expect_grep "at 0x[0-9A-F]+: leak_one \(blocked\.c:$leak_line\)" "$WORK/check" \
        "check $i: where it was allocated"
    expect_grep 'still reachable: 1,111 bytes in 1 blocks' "$WORK/check" "check $i: the held block"
    sleep 0.05 # the handler takes its signal before the next one comes
done
sleep 0.3
exec 4>&- # end of input: the program stops its threads and reports
RC=0
wait "$PID" || RC=$?
trap - EXIT
expect_eq "$RC" 0 "the program's exit status: nothing went wrong in it"
expect_eq "$(sed -n 2,4p "$WORK/stdout" | tr '\n' ' ')" "sigusr1 20 eintr 0 short sleeps 0 " \
    "every SIGUSR1 handled, no EINTR, no short sleep"
expect_grep '4,242 bytes in 1 blocks are definitely lost' "$WORK/log" "the exit report agrees"
