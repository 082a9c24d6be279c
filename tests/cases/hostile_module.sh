# shellcheck shell=bash
# The record's module paths are the target's word: a FIFO named there must
# not hang the launcher, a file only root may read must not be read by a
# root launcher; a binary replaced on disk while it ran is not used to
# name its frames, and the report says so. A header the target damaged
# before an exec is put right by the launcher at the exec stop.
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

# An image that damaged the header, then exec'd: at the exec stop the launcher
# empties the record from the layout it made (the regions it punches, the
# header it writes back), never from the header, so the new image finds the
# record whole and is tracked. Before, the launcher punched from the
# damaged offsets: shards moved to 0 zeroed the header itself, and the new
# image ran untracked. (The agent's own refusal of a damaged header is
# tests/agent/run.sh's damaged_header.)
for region in thread_slots marks heap shards; do
    ch_run --error-exitcode=23 -- "$prog" header "$region"
    expect_grep '^after: ran$' "$WORK/stdout" "$region: the program did not run unchanged"
    expect_eq "$RC" 23 "$region: exit status (the new image's leak is the gate's)"
    expect_record '777 bytes in 1 blocks are definitely lost' "$(frame_re leak hostile_module.c "$line")"
    expect_no_grep 'nothing was tracked' "$WORK/report" "$region: tracked"
done
