# shellcheck shell=bash
# Helpers for the --http cases (sourced after tests/lib.sh): start
# tests/progs/go/live under `cgoheap run --http`, drive it through its
# command FIFO, fetch what the launcher serves.
#   live_start [CGOHEAP_OPTIONS...]  sets PID, and URL (http://127.0.0.1:PORT) with --http;
#                                    runs "$LIVE" [LIVE_ARGS...] FIFO (another program may
#                                    take the FIFO's lines: it answers each with "ok ...")
#   live_cmd "keep 100 1000"         sends a command, waits for its "ok"
#   fetch PATH FILE                  GET URL/PATH into FILE; fails unless 200
#   live_exit CODE                   ends the program; sets RC
#   check_with_signal PROG FILE      GET /debug/cgoheap/leaks into FILE while a SIGUSR1 goes
#                                    to PROG (pid); fails unless 200

# wait_for CMD... : polls CMD every 0.1 s for at most 30 s.
wait_for() {
    local i
    for i in $(seq 300); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

live_build() {
    need_go
    need_cgoheap
    command -v curl >/dev/null || skip "curl not installed"
    LIVE=$(go_build tests/progs/go/live live) || exit 1
    PPROFCHECK=$(go_build tests/progs/tools/pprofcheck pprofcheck) || exit 1
}

served() { grep -qs '^cgoheap: serving ' "$WORK/log"; }

live_start() {
    rm -f "$WORK/cmd" "$WORK/log"
    mkfifo "$WORK/cmd"
    exec 3<>"$WORK/cmd" # read-write: opening never blocks, the program gets no EOF
    NACK=0
    "$CGOHEAP" run --log-file="$WORK/log" "$@" -- "$LIVE" ${LIVE_ARGS[@]+"${LIVE_ARGS[@]}"} "$WORK/cmd" \
        </dev/null >"$WORK/stdout" 2>"$WORK/stderr" &
    PID=$!
    # A failing case must not leave the program waiting on its FIFO: SIGTERM to
    # cgoheap is forwarded to it.
    trap 'kill "$PID" 2>/dev/null' EXIT
    case " $* " in *" --http="*) ;; *) return 0 ;; esac
    wait_for served || {
        show "$WORK/stderr"
        fail "cgoheap did not start serving"
    }
    URL=$(sed -n 's/^cgoheap: serving \(.*\)\/debug\/pprof\/ and .*/\1/p' "$WORK/log")
    echo "serving at $URL"
}

acked() { [ "$(grep -c '^ok ' "$WORK/stdout")" -ge "$NACK" ]; }

live_cmd() {
    echo "$1" >&3
    NACK=$((NACK + 1))
    wait_for acked || fail "the program did not acknowledge '$1'"
}

fetch() {
    local code
    code=$(curl -sS -o "$2" -w '%{http_code}' "$URL/$1") || fail "GET /$1 failed"
    [ -z "${FETCH_TIMES:-}" ] || curl -sS -o /dev/null -w "$1 %{time_total}\n" "$URL/$1" >&2
    [ "$code" = 200 ] || {
        show "$2"
        fail "GET /$1: HTTP $code"
    }
}

live_exit() {
    echo "exit $1" >&3
    RC=0
    wait "$PID" || RC=$?
    exec 3>&-
}

# sample_of CHECKED_PROFILE LEAF -> the values of the sample whose leaf is LEAF
sample_of() {
    awk -v leaf="$2" '$1 == "sample" && index($0, "| " leaf ";") { print $2; exit }' "$1"
}

# sum_of CHECKED_PROFILE LEAF -> the values of the samples whose leaf is LEAF, summed (a whole
# profile splits a stack's blocks by age)
sum_of() {
    awk -v leaf="$2" '$1 == "sample" && index($0, "| " leaf ";") {
        n = split($2, v, ","); for (i = 1; i <= n; i++) t[i] += v[i] }
        END { for (i = 1; i <= n; i++) printf "%s%d", (i > 1 ? "," : ""), t[i]; print "" }' "$1"
}

check_with_signal() {
    curl -sS -o "$2" -w '%{http_code}' "$URL/debug/cgoheap/leaks" >"$2.code" &
    local check=$!
    sleep "0.00$((RANDOM % 10))" # the signal lands before, during or after the stop
    kill -USR1 "$1"
    wait "$check"
    expect_eq "$(cat "$2.code")" 200 "a leak check with a SIGUSR1 sent meanwhile"
}
