# shellcheck shell=bash
# Child processes are followed: a program run by a shell, by make or by a
# program that forks without exec gets a report of its own, headed by its
# pid, command line and parent, after the program's report; with
# --log-file=...%p each goes to its own file; --error-exitcode fails when
# only a child leaks; the compilers and linkers a build runs are skipped;
# --trace-children=no gives the program's report alone. Before, every
# child was ignored ("children are not tracked").
# timeout: 300
. "$ROOT/tests/lib.sh"
need_cgoheap
src=$ROOT/tests/progs/c/childleak.c
bin=$(c_build tests/progs/c/childleak.c) || exit 1
leak_line=$(line_of "char *p = malloc(n);" "$src") || exit 1
fork_line=$(line_of "char *p = malloc(55);" "$src") || exit 1
keep_line=$(line_of "list[1] = malloc(66);" "$src") || exit 1
cd "$WORK" || exit 1
cp "$bin" ./childleak

# A shell runs the program without exec: its output and status are the shell's.
for run in 1 2 3; do
    ch_run -- sh -c './childleak 77 3; echo "done $?"'
    expect_eq "$RC" 0 "the shell's exit status (run $run)"
    expect_eq "$(cat "$WORK/stdout")" "$(printf 'childleak ran\ndone 3')" "the shell's output"
    proc_reports '/childleak$' "$WORK/report" >"$WORK/child"
    expect_grep '^==[0-9]+== Command: \./childleak 77 3$' "$WORK/child" "the child's command line"
    expect_grep "^==[0-9]+== Parent PID: [0-9]+$" "$WORK/child" "the child's parent"
    expect_record '^==[0-9]+== 77 bytes in 1 blocks are definitely lost' \
        "$(frame_re leak_in_child childleak.c "$leak_line")"
    expect_eq "$(summary definite "$WORK/child")" "77 1" "the child's definitely lost"
    proc_reports '^/bin/sh$|^sh$' "$WORK/report" >"$WORK/shell"
    expect_no_grep 'leak_in_child' "$WORK/shell" "the child's leak is not the shell's"
    [ "$(grep -c 'C heap check of' "$WORK/report")" -ge 2 ] || fail "fewer than two reports"
    # The program's report comes first.
    first=$(grep -m1 'C heap check of' "$WORK/report")
    case $first in *'check of sh'* | *'check of /bin/sh'* | *dash*) ;; *) fail "first report: $first" ;; esac
done

# --trace-children=no: the shell alone, as before.
ch_run --trace-children=no -- sh -c './childleak 77 3; echo "done $?"'
expect_eq "$RC" 0 "exit status without children"
expect_eq "$(grep -c 'C heap check of' "$WORK/report")" 1 "reports without children"
expect_no_grep 'leak_in_child' "$WORK/report" "no child's leak without children"

# --error-exitcode: only the child leaks, the shell exits 0.
ch_run --error-exitcode=9 -- sh -c './childleak 77 0'
expect_eq "$RC" 9 "a child's leak fails the run"
ch_run --error-exitcode=9 --trace-children=no -- sh -c './childleak 77 0; true'
expect_eq "$RC" 0 "without children nothing leaked"

# --log-file with %p: one file per process, named by its own pid.
rm -rf "$WORK/logs" && mkdir "$WORK/logs"
ch_run --log-file="$WORK/logs/heap.%p" -- sh -c './childleak 31 0; ./childleak 32 0; echo ok'
expect_eq "$RC" 0 "exit status with --log-file=%p"
expect_eq "$(find "$WORK/logs" -type f | wc -l)" 3 "files: the shell's and two children's"
for n in 31 32; do
    f=$(grep -l "$n bytes in 1 blocks are definitely lost" "$WORK"/logs/heap.* | head -n 1)
    [ -n "$f" ] || fail "no file with the child's $n-byte leak"
    pid=${f##*.}
    expect_grep "^==$pid== Command: \./childleak $n 0$" "$f" "the file of pid $pid is its report"
    expect_eq "$(grep -c 'C heap check of' "$f")" 1 "one report in $f"
done

# A child forked without exec: its report sees the heap it inherited.
ch_run --show-leak-kinds=all -- ./childleak 10 0 fork
expect_eq "$RC" 0 "exit status of the forking program"
expect_eq "$(cat "$WORK/stdout")" "$(printf 'forked child exited 7\nchildleak ran')" "its output"
proc_reports 'childleak$' "$WORK/report" >"$WORK/both"
pids=$(grep -oE '^==[0-9]+== cgoheap: C heap check of' "$WORK/both" | grep -oE '[0-9]+' | tr '\n' ' ')
set -- $pids
[ $# -eq 2 ] || fail "expected two reports, got pids: $pids"
grep "^==$2==" "$WORK/both" >"$WORK/forked"
grep "^==$1==" "$WORK/both" >"$WORK/parent"
expect_grep "^==$2== Parent PID: $1$" "$WORK/forked" "the forked child's parent"
cp "$WORK/forked" "$WORK/report"
expect_record '^==[0-9]+== 55 bytes in 1 blocks are definitely lost' \
    "$(frame_re leak_after_fork childleak.c "$fork_line")"
expect_record '^==[0-9]+== 66 bytes in 1 blocks are still reachable' \
    "$(frame_re keep_after_fork childleak.c "$keep_line")"
expect_no_grep '9 bytes in 1 blocks' "$WORK/forked" "the parent's block the child freed"
expect_no_grep 'leak_after_fork|keep_after_fork' "$WORK/parent" "the child's blocks in the parent"
expect_grep '9 bytes in 1 blocks are still reachable' "$WORK/parent" "the parent keeps its own block"

# Many children at once: twenty in parallel, each reported.
ch_run -- sh -c 'i=0; while [ $i -lt 20 ]; do ./childleak $((100 + i)) 0 >/dev/null & i=$((i + 1)); done; wait'
expect_eq "$RC" 0 "exit status of twenty children"
for i in $(seq 0 19); do
    grep -qE "^==[0-9]+== $((100 + i)) bytes in 1 blocks are definitely lost" "$WORK/report" ||
        fail "child $i's leak of $((100 + i)) bytes not reported"
done
expect_eq "$(grep -c ' Command: \./childleak ' "$WORK/report")" 20 "children's reports"

# make: the program its recipe runs is reported; the compiler is not.
cp "$src" ./childleak.c
cat >Makefile <<'MK'
run: leaker
	./leaker 41 0
leaker: childleak.c
	cc -g -O0 -o leaker childleak.c
MK
rm -f leaker
ch_run -- make -s
expect_eq "$RC" 0 "make's exit status"
expect_eq "$(cat "$WORK/stdout")" "childleak ran" "make's output"
expect_grep '^==[0-9]+== Command: \./leaker 41 0$' "$WORK/report" "the recipe's program"
expect_grep '41 bytes in 1 blocks are definitely lost' "$WORK/report" "its leak"
expect_no_grep 'C heap check of .*(cc1|collect2|/as$|/ld|gcc|/cc$|lto)' "$WORK/report" \
    "the compiler, assembler and linker are skipped"
# A skip list of the user's: make's own shell child is skipped too.
rm -f leaker
ch_run --trace-children-skip='cc,cc1,as,collect2,ld*,*-gcc-*,*-ld*,*-as,leaker' -- make -s
expect_eq "$RC" 0 "make's exit status with a skip list"
expect_no_grep 'Command: \./leaker' "$WORK/report" "a skipped program"

# The program itself on the skip list: reported and scanned as ever (its exit
# stop kept), its children not followed. Before, its exec stop cleared every
# ptrace option: no exit stop, so "memory not scanned" and every block
# "unfreed at exit", a definite leak among them that no gate saw (gcc, g++).
ch_run --error-exitcode=9 --trace-children-skip=childleak -- ./childleak 77 0 fork
expect_eq "$RC" 9 "the skipped program's leak fails the run"
expect_no_grep 'not scanned' "$WORK/report" "the skipped program is scanned"
expect_eq "$(summary definite "$WORK/report")" "77 1" "the skipped program's definitely lost"
expect_eq "$(grep -c 'C heap check of' "$WORK/report")" 1 "its forked child is not followed"
expect_no_grep 'leak_after_fork' "$WORK/report" "no report of the forked child"

# A child's record is written by the child: one it replaced with garbage, or
# with a header of the right magic and another pid or a size that lies, is
# refused in one line (-v), and the rest of the run goes on.
cat >"$WORK/forge.c" <<'C'
#include "cgoheap/shm.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    int at = atoi(getenv("CGOHEAP_SHM_FD"));
    int fd = memfd_create("cgoheap", 0);
    ch_shm_header h;
    memset(&h, 0x5a, sizeof h);
    if (argv[1][0] != 'g') {
        h.magic = CH_SHM_MAGIC;
        h.version = CH_SHM_VERSION;
        h.header_size = sizeof h;
        h.total_size = argv[1][0] == 'p' ? sizeof h : 1ull << 50;
        h.target_pid = argv[1][0] == 'p' ? 1 : getpid();
    }
    if (write(fd, &h, sizeof h) != sizeof h || dup2(fd, at) != at)
        return 1;
    (void)argc;
    return 0;
}
C
gcc -I"$ROOT/include" -o "$WORK/forge" "$WORK/forge.c" || fail "cannot compile forge.c"
for kind in garbage pid size; do
    ch_run -v -- sh -c "$WORK/forge $kind; ./childleak 12 0"
    expect_eq "$RC" 0 "exit status with a forged record ($kind)"
    expect_grep "cgoheap: child [0-9]+ not reported: (its record cannot be read|corrupt)" \
        "$WORK/report" "the forged record is refused ($kind)"
    expect_grep '12 bytes in 1 blocks are definitely lost' "$WORK/report" "the next child ($kind)"
done

# A nested cgoheap is skipped: it traces (and scans) its own program.
# (A sanitizer build cannot run with the agent preloaded before its runtime.)
if ldd "$CGOHEAP" | grep -q libasan; then
    skip_sub "nested cgoheap" "$CGOHEAP is a sanitizer build"
    exit 0
fi
ch_run -- "$CGOHEAP" run --log-file="$WORK/inner" -- ./childleak 13 0
expect_eq "$RC" 0 "exit status of a nested cgoheap"
expect_grep '13 bytes in 1 blocks are definitely lost' "$WORK/inner" "the nested run's report"
expect_no_grep 'not scanned' "$WORK/inner" "the nested run could trace and scan its program"
expect_no_grep 'childleak' "$WORK/report" "the outer run does not report the inner's program"
