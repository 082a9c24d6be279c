# shellcheck shell=bash
# A scraper fetches a profile or the metrics every 200 ms for a minute
# while four goroutines churn the C heap: every request answers 200 with a
# valid profile or metrics, nothing is lost (the counters never go back,
# no allocation is dropped, and the /delta_heap answers add up to the whole
# profile's allocations once the churn is over: no delta missed or counted
# twice), and the program's output and exit status are the same as without
# cgoheap.
# timeout: 360
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
live_build

CHURN=60
live_start --http=127.0.0.1:0
live_cmd "keep 10 100"
echo "churn $CHURN" >&3
NACK=$((NACK + 1))
n=0
profiles=()
deltas=()
metrics=()
paths=(debug/pprof/heap metrics debug/pprof/delta_heap debug/pprof/allocs 'debug/pprof/heap?debug=1')
# One request every 200 ms from the start (a late one is not made up by sleeping less than
# none): the scraper polls the clock and the program's answer, it never sleeps a fixed time.
start=${EPOCHREALTIME/./}
while ! acked; do
    p=${paths[$((n % ${#paths[@]}))]}
    f=$WORK/scrape$n
    fetch "$p" "$f"
    [ -s "$f" ] || fail "empty /$p"
    case $p in
    metrics) metrics+=("$f") ;;
    *debug=1) ;;
    *delta_heap) deltas+=("$f") profiles+=("$f") ;;
    *) profiles+=("$f") ;;
    esac
    n=$((n + 1))
    wait_us=$((start + n * 200000 - ${EPOCHREALTIME/./}))
    [ "$wait_us" -le 0 ] || sleep "$(printf '0.%06d' "$wait_us")"
done
elapsed_us=$((${EPOCHREALTIME/./} - start))
echo "$n scrapes in $((elapsed_us / 1000)) ms"
[ "$elapsed_us" -ge $((CHURN * 1000000)) ] || fail "the churn ended after $elapsed_us us"
# Four churning goroutines on a two-core machine slow the scraper itself (each curl took
# 0.1-0.2 s of wall time at a load of 12, against 2-50 ms for the server to answer; a minute
# gave 56 scrapes at a load of 15, 36 at 27): every request must succeed, and there must be
# many, not all 300.
[ "$n" -ge 15 ] || fail "only $n scrapes during the churn"
"$PPROFCHECK" "${profiles[@]}" >/dev/null || fail "a profile served during the churn is not valid"

# The counters only grow, and nothing was dropped.
prev_a=0 prev_f=0
for f in "${metrics[@]}"; do
    a=$(awk '$1 == "cgoheap_allocs_total" { print $2 }' "$f")
    fr=$(awk '$1 == "cgoheap_frees_total" { print $2 }' "$f")
    if [ -z "$a" ] || [ -z "$fr" ]; then
        fail "no allocation or free counter in $f"
    fi
    if [ "$a" -lt "$prev_a" ] || [ "$fr" -lt "$prev_f" ]; then
        fail "a counter went back: allocs $prev_a -> $a, frees $prev_f -> $fr"
    fi
    prev_a=$a prev_f=$fr
done
[ "$prev_a" -gt 1000 ] || fail "the churn made only $prev_a allocations"
expect_grep '^cgoheap_dropped_allocs_total 0$' "${metrics[-1]}" "no allocation dropped"

# The deltas, and one more now that the program is quiet, sum to the whole profile.
fetch debug/pprof/delta_heap "$WORK/delta_last"
fetch debug/pprof/heap "$WORK/heap_last"
alloc_sum() { awk '$1 == "sample" { split($2, v, ","); o += v[1]; b += v[2] } END { print o "," b }'; }
"$PPROFCHECK" "${deltas[@]}" "$WORK/delta_last" >"$WORK/deltas.txt" || fail "a delta is not valid"
"$PPROFCHECK" "$WORK/heap_last" >"$WORK/heap_last.txt" || fail "the last /heap is not valid"
whole=$(alloc_sum <"$WORK/heap_last.txt")
echo "allocations in the whole profile: $whole"
expect_eq "$(alloc_sum <"$WORK/deltas.txt")" "$whole" \
    "the ${#deltas[@]} /delta_heap answers' alloc_objects,alloc_space add up to /heap's"
live_exit 5
expect_eq "$RC" 5 "exit status under cgoheap"

# The same commands without cgoheap.
rm -f "$WORK/cmd"
mkfifo "$WORK/cmd"
exec 3<>"$WORK/cmd"
printf 'keep 10 100\nchurn 1\nexit 5\n' >&3
RC=0
"$LIVE" "$WORK/cmd" >"$WORK/plain" 2>&1 || RC=$?
exec 3>&-
expect_eq "$RC" 5 "exit status without cgoheap"
cmp "$WORK/plain" "$WORK/stdout" || fail "the program's output differs under cgoheap"
