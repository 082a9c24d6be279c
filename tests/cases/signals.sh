# shellcheck shell=bash
# Signals: one sent to the whole process group (as CI runners and process
# managers do) reaches the program once; any catchable signal sent to the
# launcher alone is passed on and never kills it; the report is written.
# Each scenario runs 20 times (the double delivery was a race).
. "$ROOT/tests/lib.sh"
need_cgoheap
prog=$(c_build tests/progs/c/signals.c) || exit 1

# sig_run OPTS... : starts cgoheap in a new session (its own process
# group), waits for the program's handlers; sets PG (the launcher's pid,
# which leads the group).
sig_run() {
    rm -f "$WORK/ready" "$WORK/stdout" "$WORK/report"
    setsid "$CGOHEAP" run "$@" -- "$prog" "$WORK/ready" \
        </dev/null >"$WORK/stdout" 2>"$WORK/report" &
    PG=$!
    wait_for_file "$WORK/ready" || fail "the program never started"
}

# sig_end: ends the run with a group SIGTERM; checks status and report.
sig_end() {
    kill -TERM -- "-$PG"
    RC=0
    wait "$PG" || RC=$?
    expect_eq "$RC" 3 "exit status (the program's own) ${1:-}"
    expect_eq "$(grep -c "^got $(kill -l TERM)$" "$WORK/stdout")" 1 "SIGTERM deliveries ${1:-}"
    expect_grep '4,242 bytes in 1 blocks are (definitely lost|unfreed)' "$WORK/report" "report written"
}

for i in $(seq 20); do
    sig_run
    for s in USR1 HUP; do
        kill "-$s" -- "-$PG"
        wait_for_grep "^got $(kill -l "$s")$" "$WORK/stdout" || fail "SIG$s to the group never arrived"
    done
    sig_end "group run $i"
    for s in USR1 HUP; do
        expect_eq "$(grep -c "^got $(kill -l "$s")$" "$WORK/stdout")" 1 "run $i: SIG$s to the group"
    done
done

# To the launcher alone: every catchable signal but the job-control ones.
for opts in "" "--trace-threads=main" "--no-scan"; do
    # shellcheck disable=SC2086
    sig_run $opts
    want=""
    for s in QUIT USR1 USR2 ALRM PIPE INT HUP WINCH URG XCPU XFSZ VTALRM PROF PWR STKFLT \
        SYS ABRT RTMIN RTMIN+5 RTMAX; do
        n=$(kill -l "$s")
        kill "-$n" "$PG" || fail "launcher died before SIG$s ($opts)"
        wait_for_grep "^got $n\$" "$WORK/stdout" || fail "SIG$s ($n) not passed on ($opts)"
        want="$want got $n"
    done
    sig_end "$opts"
    got=$(grep -v "^got $(kill -l TERM)$" "$WORK/stdout" | grep -v exit | tr '\n' ' ')
    expect_eq "$got" "${want# } " "signals passed on once each, in order ($opts)"
done
