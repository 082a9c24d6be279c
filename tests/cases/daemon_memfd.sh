# shellcheck shell=bash
# Without children followed, a daemon grandchild (double fork) keeps
# neither the record's descriptor nor its mapping once cgoheap has exited:
# before, it held the memfd (and its resident pages) for as long as it
# lived. Also a forked child that execs another program (sh) drops it.
# Followed (the default), the daemon still running when the program ends
# is let go: it lives on untraced, and its agent stops recording into the
# record of its own nobody will read (it stops growing).
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/daemon.c) || exit 1
pidfile=$WORK/daemon.pid
ch_run --trace-children=no -- "$bin" "$pidfile" 20
expect_eq "$RC" 0 "exit status"
expect_grep '123 bytes in 1 blocks are definitely lost' "$WORK/report" "the program's leak"
for _ in $(seq 100); do
    [ -s "$pidfile" ] && break
    sleep 0.05
done
pid=$(cat "$pidfile" 2>/dev/null) || fail "the daemon did not start"
[ -d "/proc/$pid" ] || fail "the daemon $pid is gone already"
held=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c 'memfd:cgoheap')
mapped=$(grep -c 'memfd:cgoheap' "/proc/$pid/maps")
kill "$pid" 2>/dev/null
expect_eq "$held" 0 "record descriptors held by the daemon"
expect_eq "$mapped" 0 "record mappings in the daemon"

# A child that execs another image: sh lists its own descriptors.
c_src=$WORK/spawn.c
cat >"$c_src" <<'C'
#include <unistd.h>
#include <sys/wait.h>
int main(void)
{
    if (fork() == 0) {
        execl("/bin/sh", "sh", "-c", "ls -l /proc/$$/fd; cat /proc/$$/maps", (char *)0);
        _exit(127);
    }
    wait(0);
    return 0;
}
C
gcc -o "$WORK/spawn" "$c_src" || fail "cannot compile spawn.c"
ch_run --trace-children=no -- "$WORK/spawn"
expect_eq "$RC" 0 "exit status of spawn"
expect_no_grep 'memfd:cgoheap' "$WORK/stdout" "the exec'd child keeps no record"

# Followed, the exec'd child holds one record, its own, not its parent's.
ch_run -- "$WORK/spawn"
expect_eq "$RC" 0 "exit status of spawn, followed"
expect_eq "$(grep -c 'memfd:cgoheap' "$WORK/stdout")" 2 "one record, its descriptor and mapping"

# Followed, the daemon outlives cgoheap: released, not killed, not traced.
rm -f "$pidfile"
ch_run -- "$bin" "$pidfile" 20
expect_eq "$RC" 0 "exit status, followed"
for _ in $(seq 100); do
    [ -s "$pidfile" ] && break
    sleep 0.05
done
pid=$(cat "$pidfile" 2>/dev/null) || fail "the daemon did not start"
sleep 0.3
[ -d "/proc/$pid" ] || fail "the followed daemon $pid was killed with cgoheap"
tracer=$(awk '/^TracerPid:/ {print $2}' "/proc/$pid/status")
kill "$pid" 2>/dev/null
expect_eq "$tracer" 0 "the daemon's tracer once cgoheap is gone"
