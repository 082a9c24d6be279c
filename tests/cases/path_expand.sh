# shellcheck shell=bash
# Report file names expand %p (the tracked program's pid), %q{VAR} (the
# environment) and %% like valgrind's, so runs side by side keep their own
# reports; a bad or unexpandable name fails before the program runs.
. "$ROOT/tests/lib.sh"
need_cgoheap
leaky=$(c_build tests/progs/c/two_leaks.c) || exit 1

export TAG=ci-7
ch_run --log-file="$WORK/log.%p" --json "$WORK/%q{TAG}.%p.json" \
    --pprof="$WORK/p%%.%p.pb.gz" --folded="$WORK/%q{TAG}.folded" "$leaky"
expect_eq "$RC" 0 "status"
logs=("$WORK"/log.*)
expect_eq "${#logs[@]}" 1 "log files"
pid=${logs[0]##*.}
expect_grep "^==$pid== +definitely lost: 333 bytes in 2 blocks" "${logs[0]}" \
    "the log named by %p holds the report of the program with that pid"
expect_grep "\"pid\": *$pid" "$WORK/ci-7.$pid.json" "%q{TAG} and %p in --json"
[ -s "$WORK/p%.$pid.pb.gz" ] || fail "%% and %p in --pprof"
[ -s "$WORK/ci-7.folded" ] || fail "%q{TAG} in --folded"

# Two runs at once, one name: two reports.
rm -f "$WORK"/log.*
"$CGOHEAP" run --log-file="$WORK/log.%p" "$leaky" &
"$CGOHEAP" run --log-file="$WORK/log.%p" "$leaky" &
wait
logs=("$WORK"/log.*)
expect_eq "${#logs[@]}" 2 "log files of two runs at once"

# Bad names fail before the program runs: one line, nothing written.
check_bad() { # check_bad WHY ERE ARGS...
    local why=$1 re=$2 rc=0
    shift 2
    "$CGOHEAP" run "$@" -- /bin/touch "$WORK/ran" </dev/null >/dev/null 2>"$WORK/err" || rc=$?
    [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "$why: status $rc"
    expect_eq "$(grep -c . "$WORK/err")" 1 "$why: lines of error output"
    expect_grep "$re" "$WORK/err" "$why"
    [ ! -e "$WORK/ran" ] || fail "$why: the program ran"
}
unset NOT_SET_ANYWHERE
check_bad "unset variable" "environment variable NOT_SET_ANYWHERE is not set" \
    --log-file="$WORK/%q{NOT_SET_ANYWHERE}.log"
check_bad "unknown %x" "'%' must be followed by p, q\\{VAR\\} or %" --json="$WORK/r.%x"
check_bad "%q without braces" "%q needs a variable name" --folded="$WORK/r.%qTAG"
check_bad "unwritable directory for a %p log" "No such file or directory" \
    --log-file="$WORK/no/such/dir/log.%p"
echo "ok: %p, %q{VAR}, %% in report names"
