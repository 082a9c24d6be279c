# shellcheck shell=bash
# Children started with posix_spawn or vfork+exec (no fork handler runs in
# them) that outlive the program hold nothing of the record: neither a
# dynamically linked one (its agent would drop the descriptor) nor one that
# loads no agent (static), which gets no descriptor at all (posix_spawn and
# the exec family mark it close-on-exec there; agent/spawn.c). The parent's own
# record is unharmed: its leak is reported. (Children not followed: a
# followed one keeps a record of its own, released when the program ends;
# daemon_memfd checks that.)
# timeout: 90
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/spawner.c) || exit 1
printf '#include <unistd.h>\nint main(void) { sleep(30); return 0; }\n' >"$WORK/sleeper.c"
daemons=/bin/sleep
if gcc -static -o "$WORK/static_sleeper" "$WORK/sleeper.c" 2>/dev/null; then
    daemons="$daemons $WORK/static_sleeper"
else
    skip_sub static "cannot link statically"
fi
pids=""
trap 'kill $pids 2>/dev/null' EXIT
for how in posix_spawn vfork; do
    for daemon in $daemons; do
        what="$how $(basename "$daemon")"
        rm -f "$WORK/pid"
        ch_run --trace-children=no -- "$bin" "$how" "$WORK/pid" "$daemon" 30
        expect_eq "$RC" 0 "$what: exit status"
        expect_grep '321 bytes in 1 blocks are definitely lost' "$WORK/report" "$what: the program's leak"
        pid=$(cat "$WORK/pid" 2>/dev/null) || fail "$what: no child"
        pids="$pids $pid"
        [ -d "/proc/$pid" ] || fail "$what: the child $pid is gone already"
        expect_eq "$(grep -c 'memfd:cgoheap' "/proc/$pid/maps")" 0 "$what: record mappings in the child"
        fds=$(find "/proc/$pid/fd" -lname '*memfd:cgoheap*' 2>/dev/null)
        expect_eq "$fds" "" "$what: record descriptors held by the child"
        kill "$pid" 2>/dev/null
    done
done
