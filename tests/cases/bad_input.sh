# shellcheck shell=bash
# Bad command lines: a clear one-line error, a non-zero status below 128
# (no crash), for each of them.
. "$ROOT/tests/lib.sh"
need_cgoheap
# Not executable: an executable file that is not ELF would legitimately be
# run by /bin/sh, as execvp() and shells do.
printf '\177ELF garbage that is not a program' >"$WORK/not-a-program"
chmod -x "$WORK/not-a-program"
printf 'this is { not a suppression\n' >"$WORK/bad.supp"

check_bad() { # check_bad WHY ARGS...
    local why=$1 rc=0 lines
    shift
    "$CGOHEAP" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
    [ "$rc" -ne 0 ] || fail "$why: exit status 0 for: cgoheap $*"
    [ "$rc" -lt 128 ] || fail "$why: cgoheap died by signal $((rc - 128)) for: cgoheap $*"
    lines=$(grep -c . "$WORK/err")
    [ "$lines" = 1 ] || {
        show "$WORK/err"
        fail "$why: expected a one-line error, got $lines lines, for: cgoheap $*"
    }
    echo "ok: $why -> exit $rc: $(cat "$WORK/err")"
}

check_bad "unknown flag" run --no-such-flag -- /bin/true
check_bad "missing program" run -- "$WORK/does-not-exist"
check_bad "no program" run
check_bad "no program after --" run --
check_bad "not an executable" run -- "$WORK/not-a-program"
check_bad "a directory" run -- "$WORK"
check_bad "bad --sample-rate" run --sample-rate=lots -- /bin/true
check_bad "bad --error-exitcode" run --error-exitcode=x -- /bin/true
check_bad "bad --show-leak-kinds" run --show-leak-kinds=sometimes -- /bin/true
check_bad "bad --unwind" run --unwind=magic -- /bin/true
check_bad "missing --suppressions file" run --suppressions="$WORK/none.supp" -- /bin/true
check_bad "malformed --suppressions file" run --suppressions="$WORK/bad.supp" -- /bin/true
check_bad "unknown command" frobnicate
