# shellcheck shell=bash
# ptrace refused (a container's seccomp profile): cgoheap still runs the
# program, passes its exit status through, reports its unfreed blocks as
# "unfreed at exit" and says in one line why memory was not scanned.
. "$ROOT/tests/lib.sh"
need_cgoheap
wrap=$(c_build tests/progs/tools/noptrace.c) || exit 1
bin=$(c_build tests/progs/c/two_leaks.c) || exit 1

# The wrapper really denies ptrace: strace (itself a ptrace user) must fail.
if command -v strace >/dev/null; then
    if "$wrap" strace -o /dev/null true 2>/dev/null; then
        fail "the seccomp wrapper did not deny ptrace"
    fi
fi

# A sanitizer build of cgoheap cannot check its own leaks here: LeakSanitizer
# stops the world with ptrace, which is exactly what is refused.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

RC=0
timeout 60 "$wrap" "$CGOHEAP" run -- "$bin" </dev/null >"$WORK/stdout" 2>"$WORK/report" || RC=$?
expect_eq "$RC" 0 "exit status"
expect_grep '^==[0-9]+== note: .*ptrace' "$WORK/report"
[ "$(grep -cE '^==[0-9]+== note: ' "$WORK/report")" -ge 1 ] || fail "no note line"
expect_grep '^==[0-9]+== [0-9,]+ bytes in 1 blocks are unfreed at exit' "$WORK/report"
unfreed=$(summary unfreed "$WORK/report") || exit 1
[ "${unfreed#* }" -ge 2 ] || { show "$WORK/report"; fail "expected the 2 leaks as unfreed, got $unfreed"; }
# The gate still works without a scan: unfreed blocks count as errors.
RC=0
timeout 60 "$wrap" "$CGOHEAP" run --error-exitcode=23 -- "$bin" </dev/null >/dev/null 2>&1 || RC=$?
expect_eq "$RC" 23 "exit status with --error-exitcode"

# Without ptrace there is no exec stop: when the target execs another
# program (env here), the new image's agent empties the record itself, so
# the report has the two leaks of the program and nothing of env's memory.
RC=0
timeout 60 "$wrap" "$CGOHEAP" run -- env "$bin" </dev/null >"$WORK/stdout" 2>"$WORK/report" || RC=$?
expect_eq "$RC" 0 "exit status through env"
expect_eq "$(summary unfreed "$WORK/report")" "333 2" "unfreed at exit through env"
