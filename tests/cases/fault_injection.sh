# shellcheck shell=bash
# Fault injection, bounded in time: random signals to the launcher, to the
# program and to their group; kill -9 of either at a random moment; a full
# disk for the report; tight limits. Each time the program's own output
# and status must be those of a run without cgoheap (what it can show
# after a kill -9), no process or shared memory of the run may be left,
# and any report written must be true (the program's one leak, its line).
# The seed is printed: FAULT_SEED=N reruns the same faults.
# timeout: 150
. "$ROOT/tests/lib.sh"
need_cgoheap
src=tests/progs/c/signals.c
prog=$(c_build "$src") || exit 1
leaky=$(c_build tests/progs/c/two_leaks.c) || exit 1
leak_line=$(line_of 'char *leak = malloc(4242);' "$ROOT/$src") || exit 1
seed=${FAULT_SEED:-$RANDOM}
echo "seed $seed"
RANDOM=$seed
deadline=$((SECONDS + 90))
sigs=(QUIT USR1 USR2 ALRM PIPE HUP INT WINCH URG VTALRM PROF RTMIN RTMIN+3)

start() { # start [CGOHEAP_OPTIONS...]: a run in its own group; PG, ready
    rm -f "$WORK/ready" "$WORK/stdout" "$WORK/report"
    setsid "$CGOHEAP" run "$@" -- "$prog" "$WORK/ready" \
        </dev/null >"$WORK/stdout" 2>"$WORK/report" &
    PG=$!
}

# A failing assertion must not leave the run behind.
trap '[ -n "${PG:-}" ] && kill -9 -- "-$PG" 2>/dev/null' EXIT

target_pid() { ps -o pid= --ppid "$PG" | tr -d ' ' | head -n 1; }

finish() { # finish: waits for the run; RC
    RC=0
    wait "$PG" || RC=$?
}

# Nothing of the run is left: no process still in its group, no record.
no_leftovers() {
    wait_for sh -c "! ps -o pid= -g $PG | grep -q ." ||
        fail "$1: processes of the run are left: $(ps -o pid,comm -g "$PG" | tr '\n' ' ')"
    [ -z "$(find /dev/shm -maxdepth 1 -name '*cgoheap*' -newer "$prog" 2>/dev/null)" ] ||
        fail "$1: shared memory left in /dev/shm"
}

# A report, if any, is true: the one leak at its line, nothing invented.
report_true() {
    grep -q 'LEAK SUMMARY\|All heap blocks' "$WORK/report" 2>/dev/null || return 0
    if grep -q 'bytes in [0-9,]* blocks are definitely lost' "$WORK/report"; then
        expect_record '4,242 bytes in 1 blocks are definitely lost' \
            "$(frame_re main signals.c "$leak_line")"
        expect_eq "$(summary definite "$WORK/report")" "4242 1" "$1: definitely lost"
    fi
}

# Signals (to the launcher alone or to the group) are delivered once each.
n=0
while [ $n -lt 6 ] && [ $SECONDS -lt $deadline ]; do
    n=$((n + 1))
    start
    wait_for_file "$WORK/ready" || fail "signals $n: the program never started"
    want="" k=0
    for _ in 1 2 3 4; do
        s=${sigs[RANDOM % ${#sigs[@]}]}
        num=$(kill -l "$s")
        to=$((RANDOM % 3))
        echo "signals $n: SIG$s to the $(echo launcher group program | cut -d' ' -f$((to + 1)))"
        case $to in
        0) kill "-$num" "$PG" ;;
        1) kill "-$num" -- "-$PG" ;;
        2) kill "-$num" "$(target_pid)" ;;
        esac
        k=$((k + 1))
        wait_for sh -c "[ \$(grep -c '^got' '$WORK/stdout') -ge $k ]" ||
            fail "signals $n: SIG$s never arrived"
        want="${want}got $num "
    done
    kill -TERM -- "-$PG"
    finish
    expect_eq "$RC" 3 "signals $n: exit status"
    expect_eq "$(grep -v "^got $(kill -l TERM)\$" "$WORK/stdout" | grep -v '^exit$' | tr '\n' ' ')" \
        "$want" "signals $n: each signal once, in order"
    expect_eq "$(tail -n 1 "$WORK/stdout")" exit "signals $n: the program's last line"
    report_true "signals $n"
    no_leftovers "signals $n"
done

# kill -9 of the launcher or of the program at a random moment.
n=0
while [ $n -lt 6 ] && [ $SECONDS -lt $deadline ]; do
    n=$((n + 1))
    start
    sleep "0.$((RANDOM % 40))" # the random moment (not a wait for anything)
    if [ $((RANDOM % 2)) = 0 ]; then
        kill -9 "$PG" 2>/dev/null
        finish
        no_leftovers "kill -9 launcher $n"
    else
        wait_for sh -c "[ -n \"\$(ps -o pid= --ppid $PG)\" ]" || true
        tp=$(target_pid)
        [ -n "$tp" ] && kill -9 "$tp" 2>/dev/null
        finish
        [ -z "$tp" ] || expect_eq "$RC" 137 "kill -9 program $n: status passed on"
        report_true "kill -9 program $n"
        no_leftovers "kill -9 program $n"
    fi
done

# A full disk for the report: the program still runs as without cgoheap.
start --log-file=/dev/full
wait_for_file "$WORK/ready" || fail "full disk: the program never started"
kill -TERM -- "-$PG"
finish
expect_eq "$RC" 1 "full disk: cgoheap's error status"
expect_grep '^cgoheap: /dev/full: No space left on device$' "$WORK/report" "full disk: said so"
expect_eq "$(tr '\n' ' ' <"$WORK/stdout")" "got 15 exit " "full disk: the program's output"
no_leftovers "full disk"

# Tight limits: few descriptors, a small stack.
for lim in "-n 32" "-s 256"; do
    RC=0
    # shellcheck disable=SC2086
    (ulimit $lim && exec "$CGOHEAP" run -- "$leaky") \
        </dev/null >"$WORK/stdout" 2>"$WORK/report" || RC=$?
    native=0
    # shellcheck disable=SC2086
    (ulimit $lim && exec "$leaky") </dev/null >"$WORK/native" 2>&1 || native=$?
    expect_eq "$RC" "$native" "ulimit $lim: exit status"
    cmp -s "$WORK/stdout" "$WORK/native" || fail "ulimit $lim: the program's output differs"
    expect_eq "$(summary definite "$WORK/report")" "333 2" "ulimit $lim: the leaks"
done
echo "fault injection: $SECONDS s"
