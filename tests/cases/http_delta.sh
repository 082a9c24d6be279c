# shellcheck shell=bash
# The delta profiles on a program with known allocations:
# /debug/pprof/delta_heap (godeltaprof) gives alloc_* since its previous
# call and inuse_* as they are; ?seconds=N (net/http/pprof) gives every
# value as the change over N seconds, with DurationNanos. A sampled run
# serves its rate as the period.
# timeout: 180
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
live_build

# delta PATH NAME -> fetches and checks a profile; prints keepBlocks' values
delta() {
    fetch "debug/pprof/$1" "$WORK/$2.pb.gz"
    "$PPROFCHECK" "$WORK/$2.pb.gz" >"$WORK/$2.txt" || fail "$1 is not a valid profile"
    sum_of "$WORK/$2.txt" main.keepBlocks
}

live_start --http=127.0.0.1:0
live_cmd "keep 10 1000"
delta delta_heap d0 >/dev/null # the baseline: everything so far
expect_eq "$(delta delta_heap d1)" 0,0,10,10000 "no allocation since: only what is in use"
live_cmd "keep 100 1000"
expect_eq "$(delta delta_heap d2)" 100,100000,110,110000 "alloc since the last call, inuse absolute"
live_cmd "keep 50 2000"
live_cmd "drop 20"
expect_eq "$(delta delta_heap d3)" 50,100000,140,170000 "the next delta (20 freed of 2000 B)"
# /heap itself is unaffected by the delta endpoint's state.
expect_eq "$(delta heap h)" 160,210000,140,170000 "the whole profile"

# ?seconds=3: allocations made inside the window, and the change in use.
curl -sS -o "$WORK/s.pb.gz" "$URL/debug/pprof/heap?seconds=3" &
fetcher=$!
sleep 1 # inside the window (the fetch takes its first profile at once)
live_cmd "keep 30 1000"
live_cmd "drop 70"
wait "$fetcher" || fail "the ?seconds=3 fetch failed"
"$PPROFCHECK" "$WORK/s.pb.gz" >"$WORK/s.txt" || fail "the ?seconds=3 profile is not valid"
expect_eq "$(sample_of "$WORK/s.txt" main.keepBlocks)" 30,30000,-40,-70000 \
    "?seconds=3: every value a delta (30 kept, then 70 freed: 30+10 of 1000 B, 30 of 2000 B)"
d=$(awk '$1 == "duration" { print $2 }' "$WORK/s.txt")
[ "$d" -ge 2900000000 ] && [ "$d" -le 4500000000 ] || fail "DurationNanos $d for ?seconds=3"
live_exit 0
expect_eq "$RC" 0 "exit status"

# A sampled run: the rate is the period, and values are Go's scaled estimates.
live_start --http=127.0.0.1:0 --sample-rate=65536
live_cmd "keep 100 1048576"
delta heap sampled >/dev/null
expect_grep '^period space/bytes 65536$' "$WORK/sampled.txt" "the sampling rate is the period"
# Go's scaleHeapSample: bytes / (1 - exp(-avg/rate)), avg 1 MiB, rate 64 KiB.
b=$(awk 'BEGIN { printf "%d", 104857600 / (1 - exp(-1048576 / 65536)) }')
expect_grep "^sample 100,$b,100,$b age=[0-9]+\\[seconds\\] bytes=1048576 \\| main\\.keepBlocks;" \
    "$WORK/sampled.txt" "1 MiB blocks at a 64 KiB rate: all sampled, scaled as Go does"
live_exit 0
