# shellcheck shell=bash
# Stacks that differ only in main's frame, every frame below at the same
# return address and stack pointer, at the same depth and at another one
# (tests/progs/c/outer_frames.c): the walk replays steps of the previous
# walk only where the words they read still hold what they read, so every
# loss record shows main's own call site and its depth of `down` frames.
# Built at -O0 (frames by RBP) and -O2 (frames by RSP).
. "$ROOT/tests/lib.sh"
need_cgoheap
src=$ROOT/tests/progs/c/outer_frames.c
site_a=$(line_of "SITE-A" "$src") || exit 1
site_b=$(line_of "SITE-B" "$src") || exit 1
rounds=1000

for opt in -O0 -O2; do
    bin=$(c_build tests/progs/c/outer_frames.c "$opt") || exit 1
    ch_run -- "$bin" "$rounds"
    expect_eq "$RC" 0 "exit status ($opt)"
    # One line per loss record: SIZE MAIN_LINE DOWN_FRAMES.
    got=$(awk '/are definitely lost in loss record/ {
            b = $2; n = $5; gsub(/,/, "", b); gsub(/,/, "", n); size = b / n; downs = 0; next }
        /: down \(outer_frames\.c:/ { downs++ }
        /: main \(outer_frames\.c:/ { split($0, a, "outer_frames.c:"); sub(/\).*/, "", a[2])
            print size, a[2], downs }' "$WORK/report" | sort -n)
    want=$(for d in 0 1 2 3 4; do echo "$((1000 + d)) $site_a $((d + 1))"; done
        for d in 0 1 2 3 4; do echo "$((2000 + d)) $site_b $((d + 1))"; done)
    [ "$got" = "$want" ] || {
        show "$WORK/report"
        fail "loss records ($opt), size / main's line / down frames:
$got
want:
$want"
    }
    expect_eq "$(summary definite "$WORK/report")" "$((rounds * (5 * 1000 + 10 + 5 * 2000 + 10))) $((rounds * 10))" \
        "definitely lost ($opt)"
    echo "$opt: 10 loss records, each with its own call site in main and depth"
done
