# shellcheck shell=bash
# The Go runtime's layouts are read while the program runs (on a launcher
# thread) and used at the exit stop; a program that execs another one
# (env) gets the layouts of the one that ran last, read at its exit.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
src=$ROOT/tests/progs/go/godrop/main.go
bin=$(go_build tests/progs/go/godrop godrop) || exit 1
line=$(line_of 'C.malloc(' "$src") || exit 1

for how in direct env; do
    if [ "$how" = env ]; then ch_run -v -- env "$bin"; else ch_run -v -- "$bin"; fi
    expect_eq "$RC" 0 "exit status ($how)"
    expect_grep '^cgoheap: Go runtime read: [0-9]+ ranges' "$WORK/report"
    expect_no_grep 'Go stacks scanned whole' "$WORK/report"
    expect_record '^==[0-9]+== 4,000 bytes in 1 blocks are definitely lost' \
        "$(cgo_re malloc main.drop "$line")"
done
