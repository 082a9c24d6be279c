# shellcheck shell=bash
# Block ages: a batch kept, a pause, a second batch of another size from the
# same stack. The live profile splits the stack's blocks by age, each
# sample with a numeric `age` label in seconds (plausible ranges: the
# launcher's epochs are coarse); ?min_age= keeps only the old batch, by
# bytes, also for ?seconds= and the legacy text; go tool pprof -tagfocus
# selects by age; the exit --pprof has ages next to its leak kinds. Each
# age is checked against the wall time measured around each step.
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
# in_range VALUE LO HI (numbers, fractions allowed)
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; }
# A loaded host delays every step by seconds, so no age is taken for granted:
# each step's wall time is measured and the ages must lie within them.
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
# An age label is off by half an epoch (1 s) plus the epoch clock's lateness.
E=2
# The age bucket (report_pprof.c: [0,1), then [2^(k-1), 2^k)) of AGE seconds.
bucket() { awk -v a="$1" 'BEGIN { k = 0; while (a >= 1) { k++; a /= 2 } print k }'; }
# min_age_for T0 -> a ?min_age= (ms) that, in a snapshot taken less than WINDOW s after T0, keeps
# the old batch (made before T_OLD) and not the new one (made after T_NEW).
min_age_for() { calc "($1 - $T_OLD - $E - 0.5) * 1000" | cut -d. -f1; }
# fetch_old MORE_QUERY FILE: /heap?min_age=(sets ms)ms MORE_QUERY, the old batch alone; asked
# again while the fetch's wall time leaves it undecided (a slow host).
fetch_old() {
    local m0 m1
    for _ in 1 2 3; do
        m0=$(now)
        ms=$(min_age_for "$m0")
        fetch "debug/pprof/heap?min_age=${ms}ms$1" "$2"
        m1=$(now)
        in_range "$(calc "$m1 - $m0")" 0 "$WINDOW" && return 0
        echo "?min_age=${ms}ms$1 took $(calc "$m1 - $m0") s: undecided, again"
    done
    fail "three ?min_age=$1 fetches took longer than $WINDOW s each"
}

live_start --http=127.0.0.1:0 --pprof="$WORK/exit.pb.gz"
fetch debug/pprof/heap "$WORK/warm.pb.gz" # the symbolizer is made now, not while batches age
t0=$(now)
live_cmd "keep 50 1000" # the old batch, made within [t0, T_OLD]
T_OLD=$(now)
sleep 20 # gives the batches distinct age buckets even if each step takes seconds
T_NEW=$(now)
live_cmd "keep 30 3000" # the new one, made within [T_NEW, t3]
t3=$(now)
WINDOW=$(calc "$T_NEW - $T_OLD - 2 * $E - 0.5")
echo "old batch made within [$t0, $T_OLD], new within [$T_NEW, $t3]; window $WINDOW s"

f0=$(now)
fetch 'debug/pprof/heap' "$WORK/all.pb.gz"
f1=$(now)
fetch_old "" "$WORK/old.pb.gz"
for f in old all; do
    "$PPROFCHECK" "$WORK/$f.pb.gz" >"$WORK/$f.txt" || fail "$f: not a valid profile"
done
expect_eq "$(sum_of "$WORK/old.txt" main.keepBlocks)" 50,50000,50,50000 \
    "?min_age=${ms}ms: the old batch alone, its blocks as its allocations"
expect_no_grep '\| main\.settle;' "$WORK/old.txt" "?min_age: no sample of a stack with no old block"
expect_eq "$(sum_of "$WORK/all.txt" main.keepBlocks)" 80,140000,80,140000 "the whole profile sums both"

keep_lines "$WORK/all.txt" >"$WORK/ages"
show "$WORK/ages"
# The ages when the whole profile's snapshot was taken, within [f0, f1].
old_lo=$(calc "$f0 - $T_OLD - $E") old_hi=$(calc "$f1 - $t0 + $E")
new_lo=$(calc "$f0 - $t3 - $E") new_hi=$(calc "$f1 - $T_NEW + $E")
echo "old batch ${old_lo}..${old_hi} s old, new ${new_lo}..${new_hi} s"
[ "$(bucket "$new_hi")" -lt "$(bucket "$old_lo")" ] ||
    fail "the whole profile took $(calc "$f1 - $f0") s: the batches' ages may share a bucket"
expect_eq "$(wc -l <"$WORK/ages")" 2 "two samples in use: one per batch"
old=$(awk '$1 == "50,50000" { print $2 }' "$WORK/ages")
new=$(awk '$1 == "30,90000" { print $2 }' "$WORK/ages")
[[ $old =~ ^[0-9]+\[seconds\]$ ]] && [[ $new =~ ^[0-9]+\[seconds\]$ ]] ||
    fail "no age label in seconds on each batch (old '$old', new '$new')"
# Labels are whole seconds.
in_range "${old%%\[*}" "$(calc "$old_lo - 0.5")" "$(calc "$old_hi + 0.5")" ||
    fail "the old batch is ${old%%\[*} s old, not ${old_lo}..${old_hi}"
in_range "${new%%\[*}" "$(calc "$new_lo - 0.5")" "$(calc "$new_hi + 0.5")" ||
    fail "the new batch is ${new%%\[*} s old, not ${new_lo}..${new_hi}"
expect_grep '^sample 4096,4096,0,0 bytes=1 \| main\.settle' "$WORK/all.txt" \
    "allocations all freed: one sample, no age"

# The real client selects by the label: from the old batch's age up.
"$GO" tool pprof -raw "-tagfocus=age=${old%%\[*}s:" "$WORK/all.pb.gz" >"$WORK/focus" 2>"$WORK/focus.err" || {
    show "$WORK/focus.err"
    fail "go tool pprof -tagfocus=age=${old%%\[*}s: failed"
}
expect_grep '^ +50 +50000 +50 +50000:' "$WORK/focus" "-tagfocus=age=${old%%\[*}s: keeps the old batch"
expect_no_grep '^ +30 +90000 ' "$WORK/focus" "-tagfocus=age=${old%%\[*}s: leaves out the new batch"

# ?min_age= with the other forms.
fetch_old "&debug=1" "$WORK/legacy"
expect_grep '^50: 50000 \[50: 50000\] @' "$WORK/legacy" "?debug=1&min_age=${ms}ms: the old batch"
expect_no_grep '^30: 90000 ' "$WORK/legacy" "?debug=1&min_age=${ms}ms: not the new batch"
fetch 'debug/pprof/heap?min_age=1h' "$WORK/none.pb.gz"
"$PPROFCHECK" "$WORK/none.pb.gz" >"$WORK/none.txt" || fail "an empty profile is not valid"
expect_no_grep '^sample ' "$WORK/none.txt" "?min_age=1h: nothing that old"
# The first snapshot is taken before the drop's answer (d1) or finds the new batch gone.
s0=$(now)
ms=$(min_age_for "$s0")
curl -sS -o "$WORK/s.pb.gz" "$URL/debug/pprof/heap?seconds=2&min_age=${ms}ms" &
fetcher=$!
sleep 0.5
live_cmd "drop 30" # the new batch goes: not in the old blocks' delta
d1=$(now)
wait "$fetcher" || fail "the ?seconds=2&min_age= fetch failed"
"$PPROFCHECK" "$WORK/s.pb.gz" >"$WORK/s.txt" || fail "?seconds&min_age: not a valid profile"
if in_range "$(calc "$d1 - $s0")" 0 "$WINDOW"; then
    expect_no_grep 'main\.keepBlocks;' "$WORK/s.txt" "?seconds=2&min_age=${ms}ms: old blocks unchanged"
else
    skip_sub seconds-min-age "the drop took $(calc "$d1 - $s0") s: the first snapshot may hold the new batch"
fi
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
in_range "${old%%\[*}" "$(calc "$old_lo - 0.5")" "$(calc "$(now) - $t0 + $E")" ||
    fail "exit --pprof: the old batch is '$old' old"
expect_grep '^sample 50,50000,50,50000 age=[0-9]+\[seconds\] bytes=1000 kind=[a-z]+ \|.*main\.keepBlocks;' \
    "$WORK/exit.txt" "exit --pprof: age and leak kind on the old batch's sample"
