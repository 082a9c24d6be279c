# shellcheck shell=bash
# The record's module paths are the target's word: a FIFO named there must
# not hang the launcher, a file only root may read must not be read by a
# root launcher; a binary replaced on disk while it ran is not used to
# name its frames, and the report says so. A header the target damaged is
# refused alike by the agent (the program runs as it would untracked) and
# by the launcher (one line, and no gate passes).
# timeout: 60
. "$ROOT/tests/lib.sh"
need_cgoheap
src=tests/progs/c/hostile_module.c
prog=$(c_build "$src" -I"$ROOT/include") || exit 1
line=$(line_of 'char *p = malloc(777);' "$ROOT/$src") || exit 1

# Sanity: untouched, the leak is named.
cp "$prog" "$WORK/victim"
cp /bin/true "$WORK/other"
ch_run -- "$WORK/victim" replace "$WORK/nonexistent"
expect_record '777 bytes in 1 blocks are definitely lost' "$(frame_re leak hostile_module.c "$line")"

mkfifo "$WORK/fifo"
RC=0
timeout 20 "$CGOHEAP" run -- "$prog" path "$WORK/fifo" </dev/null >/dev/null 2>"$WORK/report" || RC=$?
expect_eq "$RC" 0 "module path set to a FIFO (124: the launcher hung)"
expect_grep '777 bytes in 1 blocks are definitely lost' "$WORK/report" "FIFO: report written"

if [ "$(id -u)" = 0 ]; then
    cp "$prog" "$WORK/secret"
    chmod 600 "$WORK/secret"
    ch_run -- "$prog" path "$WORK/secret"
    expect_eq "$RC" 0 "module path set to a root-only file"
    record '777 bytes in 1 blocks are definitely lost' "$WORK/report" >"$WORK/record"
    [ -s "$WORK/record" ] || fail "root-only file: no record"
    expect_no_grep 'hostile_module\.c' "$WORK/record" "a root-only file the target named was read"
else
    skip_sub root-only-file "the launcher is not root"
fi

ch_run -- "$WORK/victim" replace "$WORK/other"
expect_eq "$RC" 0 "binary replaced while running"
expect_grep "note: .*/victim was deleted or replaced on disk while the program ran" \
    "$WORK/report" "replaced binary: said so"
record '777 bytes in 1 blocks are definitely lost' "$WORK/report" >"$WORK/record"
[ -s "$WORK/record" ] || fail "replaced binary: no record"
expect_no_grep ': (main|leak|_start|_init|_fini)' "$WORK/record" "frames named from the new file"

# The image that finds the header damaged (its predecessor damaged it, then
# exec'd it) must not write through it: thread slots or marks moved far past
# the end of the file crash the program if the agent does. The agent and
# the launcher run the same check (ch_shm_validate).
for region in thread_slots marks heap; do
    ch_run --error-exitcode=23 -- "$prog" header "$region"
    expect_grep '^after: ran$' "$WORK/stdout" "$region: the program did not run unchanged"
    expect_eq "$RC" 1 "$region: exit status (the launcher's error, never the gate's 0)"
    expect_eq "$(wc -l <"$WORK/report")" 1 "$region: lines of the report"
    expect_grep '^cgoheap: nothing was tracked: cgoheap record has a (region outside the file|misaligned region)$' \
        "$WORK/report" "$region: the launcher's refusal"
    # Put back before the exit, the record is read: the agent said why it recorded nothing.
    ch_run --error-exitcode=23 -- "$prog" header "$region" repair
    expect_grep '^after: ran$' "$WORK/stdout" "$region, repaired: the program did not run unchanged"
    expect_eq "$RC" 125 "$region, repaired: exit status (untracked, never the gate's 0)"
    expect_grep '^cgoheap: nothing was tracked: the agent refused its record: cgoheap record has a (region outside the file|misaligned region)$' \
        "$WORK/report" "$region, repaired: the agent's reason"
done
