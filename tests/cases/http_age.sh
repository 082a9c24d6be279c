# shellcheck shell=bash
# Block ages: a batch kept, a pause, a second batch of another size from the
# same stack. The live profile splits the stack's blocks by age, each
# sample with a numeric `age` label in seconds (plausible ranges: the
# launcher's epochs are coarse); ?min_age= keeps only the old batch, by
# bytes, also for ?seconds= and the legacy text; go tool pprof -tagfocus
# selects by age; the exit --pprof has ages next to its leak kinds.
# timeout: 180
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
live_build

# keep_lines CHECKED_PROFILE -> "inuse_objects,inuse_space age" of keepBlocks' samples in use
keep_lines() {
    awk '$1 == "sample" && /[| ;]main\.keepBlocks;/ {
        split($2, v, ","); a = "-"
        for (i = 3; i <= NF && $i != "|"; i++) if ($i ~ /^age=/) { a = $i; sub(/^age=/, "", a) }
        if (v[3] > 0) print v[3] "," v[4], a }' "$1" | sort
}
# in_range VALUE LO HI
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

live_start --http=127.0.0.1:0 --pprof="$WORK/exit.pb.gz"
live_cmd "keep 50 1000" # the old batch
sleep 6
live_cmd "keep 30 3000" # the new one

fetch 'debug/pprof/heap?min_age=3s' "$WORK/old.pb.gz"
fetch 'debug/pprof/heap' "$WORK/all.pb.gz"
for f in old all; do
    "$PPROFCHECK" "$WORK/$f.pb.gz" >"$WORK/$f.txt" || fail "$f: not a valid profile"
done
expect_eq "$(sum_of "$WORK/old.txt" main.keepBlocks)" 50,50000,50,50000 \
    "?min_age=3s: the old batch alone, its blocks as its allocations"
expect_no_grep '\| main\.settle;' "$WORK/old.txt" "?min_age: no sample of a stack with no old block"
expect_eq "$(sum_of "$WORK/all.txt" main.keepBlocks)" 80,140000,80,140000 "the whole profile sums both"

keep_lines "$WORK/all.txt" >"$WORK/ages"
show "$WORK/ages"
expect_eq "$(wc -l <"$WORK/ages")" 2 "two samples in use: one per batch"
old=$(awk '$1 == "50,50000" { print $2 }' "$WORK/ages")
new=$(awk '$1 == "30,90000" { print $2 }' "$WORK/ages")
[[ $old =~ ^[0-9]+\[seconds\]$ ]] && [[ $new =~ ^[0-9]+\[seconds\]$ ]] ||
    fail "no age label in seconds on each batch (old '$old', new '$new')"
in_range "${old%%\[*}" 5 60 || fail "the old batch is ${old%%\[*} s old (kept 6 s before the new one)"
in_range "${new%%\[*}" 0 2 || fail "the new batch is ${new%%\[*} s old (fetched right after)"
expect_grep '^sample 4096,4096,0,0 bytes=1 \| main\.settle' "$WORK/all.txt" \
    "allocations all freed: one sample, no age"

# The real client selects by the label.
"$GO" tool pprof -raw -tagfocus=age=4s: "$WORK/all.pb.gz" >"$WORK/focus" 2>"$WORK/focus.err" || {
    show "$WORK/focus.err"
    fail "go tool pprof -tagfocus=age=4s: failed"
}
expect_grep '^ +50 +50000 +50 +50000:' "$WORK/focus" "-tagfocus=age=4s: keeps the old batch"
expect_no_grep '^ +30 +90000 ' "$WORK/focus" "-tagfocus=age=4s: leaves out the new batch"

# ?min_age= with the other forms.
fetch 'debug/pprof/heap?min_age=3s&debug=1' "$WORK/legacy"
expect_grep '^50: 50000 \[50: 50000\] @' "$WORK/legacy" "?debug=1&min_age=3s: the old batch"
expect_no_grep '^30: 90000 ' "$WORK/legacy" "?debug=1&min_age=3s: not the new batch"
fetch 'debug/pprof/heap?min_age=1h' "$WORK/none.pb.gz"
"$PPROFCHECK" "$WORK/none.pb.gz" >"$WORK/none.txt" || fail "an empty profile is not valid"
expect_no_grep '^sample ' "$WORK/none.txt" "?min_age=1h: nothing that old"
curl -sS -o "$WORK/s.pb.gz" "$URL/debug/pprof/heap?seconds=2&min_age=3s" &
fetcher=$!
sleep 0.5
live_cmd "drop 30" # the new batch goes: not in the old blocks' delta
wait "$fetcher" || fail "the ?seconds=2&min_age=3s fetch failed"
"$PPROFCHECK" "$WORK/s.pb.gz" >"$WORK/s.txt" || fail "?seconds&min_age: not a valid profile"
expect_no_grep 'main\.keepBlocks;' "$WORK/s.txt" "?seconds=2&min_age=3s: old blocks unchanged"
for q in 'min_age=x' 'min_age=-1s' 'min_age='; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/debug/pprof/heap?$q")
    expect_eq "$code" 400 "a bad $q"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/debug/pprof/delta_heap?min_age=1s")
expect_eq "$code" 400 "delta_heap refuses min_age (its baseline is shared)"

live_exit 0
"$PPROFCHECK" "$WORK/exit.pb.gz" >"$WORK/exit.txt" || fail "the exit --pprof is not a valid profile"
keep_lines "$WORK/exit.txt" >"$WORK/exit_ages"
show "$WORK/exit_ages"
old=$(awk '$1 == "50,50000" { print $2 }' "$WORK/exit_ages")
in_range "${old%%\[*}" 5 120 || fail "exit --pprof: the old batch is '$old' old"
expect_grep '^sample 50,50000,50,50000 age=[0-9]+\[seconds\] bytes=1000 kind=[a-z]+ \|.*main\.keepBlocks;' \
    "$WORK/exit.txt" "exit --pprof: age and leak kind on the old batch's sample"
