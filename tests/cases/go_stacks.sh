# shellcheck shell=bash
# Goroutine stacks scanned with Go's stack maps, 20 runs each:
# - golive: C strings held by live slots of 4 blocked goroutines (a local,
#   an address-taken array, a C call's argument, a local across a read)
#   stay reachable; the 3 they dropped before blocking are lost.
# - gokill10: 10 C strings dropped, then SIGKILL while the main goroutine
#   is in a raw system call: all 10 lost (a dead slot of a live frame kept
#   the last one "reachable" when stacks were scanned whole).
# - --show-roots names the goroutine holding each of golive's 4 blocks, by
#   its number (in the order main started them) and the function and line
#   of the frame whose slot holds the pointer (where that goroutine waits).
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

# --show-roots: "stack of goroutine N in main.F (main.go:L)", L the line
# where F waits (the first line after "func F(" matching WAIT), N rising
# in the order main started the goroutines.
ch_run --show-roots --show-leak-kinds=reachable -- "$live" >/dev/null
src=$ROOT/tests/progs/go/golive/main.go
prev=0
for fw in 'heldByLocal:<-block' 'heldByArray:<-block' 'heldByCCall:C.sleep_holding(p)' \
    'heldAcrossRead:r.Read('; do
    fn=${fw%%:*} wait=${fw#*:}
    line=$(awk -v f="func $fn(" -v w="$wait" 'index($0, f) == 1 { in_f = 1 }
        in_f && index($0, w) { print NR; exit }' "$src")
    [ -n "$line" ] || fail "no '$wait' in $fn of $src"
    expect_record 'bytes in 1 blocks are still reachable' "main\\.$fn " \
        "held by stack of goroutine [0-9]+ in main\\.$fn \\(main\\.go:$line\\)$"
    goid=$(sed -nE "s/.*held by stack of goroutine ([0-9]+) in main\\.$fn .*/\\1/p" "$WORK/record" | head -n 1)
    [ "$goid" -gt "$prev" ] || fail "goroutine of $fn is $goid, not above the one started before ($prev)"
    prev=$goid
done
