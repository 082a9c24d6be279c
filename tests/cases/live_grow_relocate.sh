# shellcheck shell=bash
# A shard's live table grows in place within a range of the record's heap
# area (1/128 of it); one that reaches its range's floor moves to a range
# four times its size (src/agent/live.c, relocate). Under ulimit -v 2 GiB
# the heap area is a few hundred MB, so a list of 3M nodes kept live moves
# its tables several times: every node must still be reported once.
. "$ROOT/tests/lib.sh"
need_cgoheap
if ldd "$CGOHEAP" 2>/dev/null | grep -q libasan; then
    skip "the CLI is built with AddressSanitizer, which cannot run under ulimit -v"
fi
bin=$(c_build tests/progs/c/listpages.c) || exit 1
RC=0
(ulimit -v $((2 << 20)) && exec "$CGOHEAP" run --no-scan --log-file="$WORK/report" -- "$bin" 3000000 keep) \
    </dev/null >"$WORK/stdout" 2>&1 || RC=$?
expect_eq "$RC" 0 "exit status under ulimit -v 2 GiB"
expect_grep "unfreed at exit: 48,000,000 bytes in 3,000,000 blocks" "$WORK/report" "every node reported"
if grep -q "exhausted" "$WORK/report"; then
    fail "the live table ran out of room"
fi
