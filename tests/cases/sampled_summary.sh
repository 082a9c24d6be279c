# shellcheck shell=bash
# A sampled run says its totals are estimates, estimates frees from the
# sampled blocks (it said 0 frees), and never claims "no leaks are
# possible" when no sampled block is left (unsampled ones may leak).
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/half_freed.c) || exit 1

# One sample per 1 TB on average: a block of this 2 MB program is sampled
# once in 500,000 runs.
ch_run --sample-rate=1000000000000 -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_no_grep 'no leaks are possible' "$WORK/report" "sampled run claims no leaks"
expect_grep 'No sampled heap block was in use at exit; unsampled leaks are possible' \
    "$WORK/report" "sampled run: what it saw"

# 10,000 of the 20,000 blocks are freed: the estimate, from about 800
# samples, must be near (within 30%), run after run. About 400 of them are
# freed blocks, a binomial count with a spread of 5%: 30% is 6 of those,
# never seen in 20 runs (at 10,000 bytes per sample it was 3 spreads of
# 10%, and one run in 20 of them crossed it now and then).
for i in $(seq 20); do
    ch_run --sample-rate=2500 -- "$bin"
    usage=$(sed -nE 's/.*total heap usage: ([0-9,]+) allocs, ([0-9,]+) frees, .* bytes allocated \(estimates from samples\)$/\1 \2/p' \
        "$WORK/report" | tr -d ,)
    [ -n "$usage" ] || { show "$WORK/report"; fail "run $i: no estimated total heap usage line"; }
    frees=${usage#* }
    [ "$frees" -ge 7000 ] && [ "$frees" -le 13000 ] ||
        fail "run $i: estimated frees $frees, expected about 10000"
done

# Without sampling the counts are exact and not called estimates.
ch_run -- "$bin"
expect_grep 'total heap usage: 20,[0-9]{3} allocs, 10,[0-9]{3} frees, [0-9,]+ bytes allocated$' \
    "$WORK/report" "exact totals"
