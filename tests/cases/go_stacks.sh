# shellcheck shell=bash
# Goroutine stacks scanned with Go's stack maps, 20 runs each:
# - golive: C strings held by live slots of 4 blocked goroutines (a local,
#   an address-taken array, a C call's argument, a local across a read)
#   stay reachable; the 3 they dropped before blocking are lost.
# - gokill10: 10 C strings dropped, then SIGKILL while the main goroutine
#   is in a raw system call: all 10 lost (a dead slot of a live frame kept
#   the last one "reachable" when stacks were scanned whole).
# go: both
# timeout: 300
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
live=$(go_build tests/progs/go/golive golive) || exit 1
kill10=$(go_build tests/progs/go/gokill10 gokill10) || exit 1
for i in $(seq 20); do
    ch_run --show-leak-kinds=all -- "$live" >/dev/null
    expect_eq "$RC" 0 "golive exit status (run $i)"
    expect_eq "$(kinds "$WORK/report")" \
        "definite=81/3 indirect=0/0 possible=0/0 reachable=64/4" "golive kinds (run $i)"
    ch_run --show-leak-kinds=all -- "$kill10" >/dev/null
    expect_eq "$RC" 137 "gokill10 exit status (run $i)"
    expect_eq "$(kinds "$WORK/report")" \
        "definite=90/10 indirect=0/0 possible=0/0 reachable=0/0" "gokill10 kinds (run $i)"
done
# -v says how the frames were scanned.
ch_run -v -- "$live" >/dev/null
expect_grep 'goroutine frames: [1-9][0-9]* scanned with Go.s stack maps' "$WORK/report" \
    "-v reports the precise frames"
