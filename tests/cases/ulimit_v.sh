# shellcheck shell=bash
# Under an address-space limit (ulimit -v) the record is sized to fit: a
# fixed 21 GiB reservation failed with "cannot create the shared record".
# Under a limit too low for even the smallest record, the program runs untracked.
. "$ROOT/tests/lib.sh"
need_cgoheap
# AddressSanitizer reserves terabytes of shadow: such a CLI cannot start under any ulimit -v.
if ldd "$CGOHEAP" 2>/dev/null | grep -q libasan; then
    skip "the CLI is built with AddressSanitizer, which cannot run under ulimit -v"
fi
src=$ROOT/tests/progs/c/rawclone.c
bin=$(c_build tests/progs/c/rawclone.c) || exit 1
line=$(line_of "LEAK-parent" "$src") || exit 1
for kib in $((8 << 20)) $((4 << 20)) $((1 << 20)); do
    RC=0
    (ulimit -v "$kib" && exec "$CGOHEAP" run -- "$bin") </dev/null >"$WORK/stdout" 2>"$WORK/report" || RC=$?
    expect_eq "$RC" 0 "exit status under ulimit -v $kib"
    expect_eq "$(cat "$WORK/stdout")" "child ok" "program output under ulimit -v $kib"
    expect_record '^==[0-9]+== 111 bytes in 1 blocks are definitely lost' \
        "$(frame_re leak_parent rawclone.c "$line")"
done
# Too low for even the smallest record: the program still runs, untracked, with its own
# output and status; the report says so, and a gate fails with 125 as for a static program.
RC=0
(ulimit -v $((64 << 10)) && exec "$CGOHEAP" run -- "$bin") </dev/null >"$WORK/stdout" 2>"$WORK/report" || RC=$?
expect_eq "$RC" 0 "exit status under a limit too low for the record"
expect_eq "$(cat "$WORK/stdout")" "child ok" "program output under a limit too low for the record"
expect_grep 'nothing was tracked: the address-space limit \(ulimit -v\) is too low for the shared record, so the program ran without the agent' \
    "$WORK/report" "the message names the limit"
RC=0
(ulimit -v $((64 << 10)) && exec "$CGOHEAP" run --error-exitcode=42 -- "$bin") </dev/null >"$WORK/stdout" 2>"$WORK/report" || RC=$?
expect_eq "$RC" 125 "a gate under a limit too low for the record"
expect_eq "$(cat "$WORK/stdout")" "child ok" "program output with a gate"
RC=0
(ulimit -v $((64 << 10)) && exec "$CGOHEAP" run -- /bin/sh -c 'exit 3') </dev/null >/dev/null 2>"$WORK/report" || RC=$?
expect_eq "$RC" 3 "the program's own exit status, untracked"
