# shellcheck shell=bash
# A scraper fetches a profile or the metrics every 200 ms for about ten
# seconds while four goroutines churn the C heap: every request answers
# 200 with a valid profile, and the program's output and exit status are
# the same as without cgoheap.
# timeout: 240
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
live_build

live_start --http=127.0.0.1:0
live_cmd "keep 10 100"
echo "churn 12" >&3
NACK=$((NACK + 1))
n=0
profiles=()
paths=(debug/pprof/heap metrics debug/pprof/delta_heap debug/pprof/allocs 'debug/pprof/heap?debug=1')
while ! acked; do
    p=${paths[$((n % ${#paths[@]}))]}
    fetch "$p" "$WORK/scrape$n"
    [ -s "$WORK/scrape$n" ] || fail "empty /$p"
    case $p in metrics | *debug=1) ;; *) profiles+=("$WORK/scrape$n") ;; esac
    n=$((n + 1))
    sleep 0.2
done
# Four churning goroutines on a two-core machine slow the scraper itself (each curl
# took 0.1-0.2 s of wall time at a load of 12, against 2-50 ms for the server to answer):
# ask for a few scrapes, not sixty; every one must succeed.
[ "$n" -ge 6 ] || fail "only $n scrapes during the churn"
"$PPROFCHECK" "${profiles[@]}" >/dev/null || fail "a profile served during the churn is not valid"
echo "$n scrapes"
expect_grep '^cgoheap_allocs_total [0-9]+' "$WORK/scrape1" "metrics during the churn"
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
