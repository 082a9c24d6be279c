# shellcheck shell=bash
# C state in the TLS of threads Go started (a __thread pointer and a
# pthread_setspecific value per thread, with and without LockOSThread) is
# reachable, never "definitely lost", in every one of 20 runs: the dead
# part of one thread's system stack must not swallow its neighbour's TLS.
# go: both
# timeout: 300
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
bin=$(go_build tests/progs/go/gotls gotls) || exit 1
for i in $(seq 20); do
    ch_run -- "$bin" >/dev/null
    expect_eq "$RC" 0 "exit status (run $i)"
    expect_eq "$(summary definite "$WORK/report")" "0 0" "definitely lost (run $i)"
    expect_eq "$(summary possible "$WORK/report")" "0 0" "possibly lost (run $i)"
    # 8 locked threads keep 40 + 56 bytes each; other Ms add more pairs.
    reach=$(summary reachable "$WORK/report") || exit 1
    [ "${reach#* }" -ge 16 ] || fail "run $i: only ${reach#* } blocks still reachable, expected 16 or more"
done
# --show-roots names the thread of each: a __thread variable lies below the
# thread pointer, a pthread_setspecific value above it, in the descriptor
# (named "[anon] memory" before).
ch_run --show-roots --show-leak-kinds=reachable -- "$bin" >/dev/null
held=$(grep -E '^==[0-9]+==  held by ' "$WORK/report" | sed -E 's/^==[0-9]+==  held by //; s/[0-9]+$/N/' | sort -u)
expect_eq "$held" "TLS of thread N" "--show-roots names the thread whose TLS holds each block"
