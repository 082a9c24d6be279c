# shellcheck shell=bash
# --http reads the live table again only when the record changed: a profile
# asked again with nothing changed in between reads and sums no live block
# (/metrics counts the reads, the blocks read and the blocks summed), and
# gives the same samples per stack as the first; after a change the record
# is read again, and the profile made in the buffers and caches kept across
# requests sums each stack as the exit report, computed afresh from the
# record, does.
# timeout: 180
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
live_build

# metric FILE NAME -> its value
metric() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }
# per_stack CHECKED_PROFILE -> "stack values" per stack, its samples (age buckets) summed
per_stack() {
    awk '$1 == "sample" { k = $0; sub(/^[^|]*\| /, "", k); n = split($2, v, ",")
        for (i = 1; i <= n; i++) t[k, i] += v[i]; keys[k] = n }
        END { for (k in keys) { s = k; for (i = 1; i <= keys[k]; i++) s = s " " t[k, i]; print s } }' \
        "$1" | sort
}
# through CHECKED_PROFILE FUNC -> the values of the samples with FUNC in their stack, summed (the
# exit report's stacks show the cgo glue above it)
through() {
    awk -v fn="$2" '$1 == "sample" && index($0, " " fn ";") || index($0, ";" fn ";") {
        n = split($2, v, ","); for (i = 1; i <= n; i++) t[i] += v[i] }
        END { for (i = 1; i <= n; i++) printf "%s%d", (i > 1 ? "," : ""), t[i]; print "" }' "$1"
}
counts() { echo "$(metric "$1" cgoheap_record_reads_total) $(metric "$1" cgoheap_record_blocks_read_total) $(metric "$1" cgoheap_record_blocks_summed_total)"; }

live_start --http=127.0.0.1:0 --pprof="$WORK/exit.pb.gz"
live_cmd "keep 100 1000"
fetch debug/pprof/heap "$WORK/h1.pb.gz"
fetch metrics "$WORK/m1"
read -r reads1 blocks1 summed1 <<<"$(counts "$WORK/m1")"
[ -n "$reads1" ] && [ "$reads1" -ge 1 ] || fail "/metrics does not count the record's reads"
[ "$blocks1" -ge 100 ] || fail "blocks read so far: $blocks1 (100 kept)"
[ "$summed1" -ge 100 ] || fail "blocks summed so far: $summed1 (100 kept)"

# Nothing changes in the program between these requests, unless its runtime allocates on its
# own (a new thread): a few tries, one of which must read and sum nothing.
quiet=0
for try in 1 2 3 4 5; do
    fetch metrics "$WORK/m2a"
    fetch debug/pprof/heap "$WORK/h2.pb.gz"
    fetch debug/pprof/allocs "$WORK/a2.pb.gz"
    fetch metrics "$WORK/m2"
    if [ "$(counts "$WORK/m2a")" = "$(counts "$WORK/m2")" ]; then
        quiet=1
        break
    fi
    echo "try $try: the record changed: $(counts "$WORK/m2a") -> $(counts "$WORK/m2")"
done
expect_eq "$quiet" 1 "a profile, /allocs and /metrics asked again with nothing changed read no block"
for f in h1 h2; do
    "$PPROFCHECK" "$WORK/$f.pb.gz" >"$WORK/$f.txt" || fail "$f is not a valid profile"
    per_stack "$WORK/$f.txt" >"$WORK/$f.stacks"
done
cmp -s "$WORK/h1.stacks" "$WORK/h2.stacks" || {
    diff "$WORK/h1.stacks" "$WORK/h2.stacks" | head -20
    fail "the profile from the kept read and sums differs per stack from the first"
}

# A change: read and summed again.
live_cmd "keep 50 3000"
fetch debug/pprof/heap "$WORK/h3.pb.gz"
fetch metrics "$WORK/m3"
read -r reads3 blocks3 summed3 <<<"$(counts "$WORK/m3")"
read -r reads2 blocks2 summed2 <<<"$(counts "$WORK/m2")"
[ "$reads3" -gt "$reads2" ] || fail "a change was not read: reads $reads2 -> $reads3"
[ "$((blocks3 - blocks2))" -ge 150 ] || fail "blocks read $blocks2 -> $blocks3 (150 kept)"
[ "$((summed3 - summed2))" -ge 150 ] || fail "blocks summed $summed2 -> $summed3 (150 kept)"
"$PPROFCHECK" "$WORK/h3.pb.gz" >"$WORK/h3.txt" || fail "h3 is not a valid profile"
expect_eq "$(sum_of "$WORK/h3.txt" main.keepBlocks)" 150,250000,150,250000 \
    "keepBlocks after the change, from the kept buffers and caches"
live_exit 0
"$PPROFCHECK" "$WORK/exit.pb.gz" >"$WORK/exit.txt" || fail "the exit profile is not valid"
expect_eq "$(through "$WORK/h3.txt" main.keepBlocks)" "$(through "$WORK/exit.txt" main.keepBlocks)" \
    "keepBlocks served live is what the exit report computes from the record"
