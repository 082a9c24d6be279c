# shellcheck shell=bash
# --show-roots names what holds each of 150,000 blocks of a tree (each held
# by another block: as many names as blocks) in CPU time that grows with
# the blocks, not with their square: a linear search over the names seen
# took 4.2 s at 50,000 blocks and minutes at 200,000; a hash takes 0.2 s.
. "$ROOT/tests/lib.sh"
need_cgoheap
[ -x /usr/bin/time ] || skip "GNU time not installed"
# Built here: c_build names a program by its file's name, and tests/progs/kinds has a tree.c too.
bin=$WORK/bench_tree
gcc -O2 -o "$bin" "$ROOT/bench/workloads/tree.c" || fail "cannot compile bench/workloads/tree.c"
limit=$((5 * ${TIMEOUT_SCALE:-1}))
/usr/bin/time -f '%U %S' -o "$WORK/cpu" "$CGOHEAP" run --show-roots --show-leak-kinds=all \
    --log-file="$WORK/report" -- "$bin" 150000 >/dev/null 2>&1 || fail "cgoheap run failed"
cpu=$(awk '{ printf "%d", $1 + $2 + 0.5 }' "$WORK/cpu")
echo "150,000 blocks held by blocks, --show-roots: $(cat "$WORK/cpu") s of CPU (at most $limit)"
expect_grep 'still reachable: [0-9,]+ bytes in 150,000 blocks' "$WORK/report"
expect_grep 'held by global root' "$WORK/report"
[ "$cpu" -le "$limit" ] || fail "--show-roots took $cpu s of CPU for 150,000 blocks"
