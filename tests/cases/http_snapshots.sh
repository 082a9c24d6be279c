# shellcheck shell=bash
# --snapshot-interval/--snapshot-dir write heap-<unix time>.pb.gz while the
# program runs, each a valid profile of that moment; the exit report gains
# the peak of the C heap in use, here 10 MB that were freed before the end.
# The live options are rows of the one option table (both value forms,
# --help, completion), and bad values fail before the program runs.
# timeout: 180
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
live_build

snaps() { find "$WORK/snaps" -name 'heap-*.pb.gz' | wc -l; }
more_snaps() { [ "$(snaps)" -gt "$1" ]; }

mkdir -p "$WORK/snaps"
live_start --snapshot-interval 1s --snapshot-dir "$WORK/snaps"
live_cmd "keep 100 100000"
n=$(snaps)
wait_for more_snaps $((n + 1)) || fail "no snapshot after the blocks were kept" # one taken after
live_cmd "drop 100"
live_cmd "keep 3 1000"
n=$(snaps)
wait_for more_snaps "$n" || fail "no snapshot after the drop"
live_exit 4
expect_eq "$RC" 4 "exit status"
ls "$WORK/snaps" | grep -vqE '^heap-[0-9]{10}\.pb\.gz$' && fail "a snapshot name is not heap-<unix time>.pb.gz"
"$PPROFCHECK" "$WORK"/snaps/heap-*.pb.gz >"$WORK/all.txt" || fail "a snapshot is not a valid profile"
grep -Eq '^sample 100,10000000,100,10000000 age=[0-9]+\[seconds\] bytes=100000 \| main\.keepBlocks;' \
    "$WORK/all.txt" ||
    fail "no snapshot saw the 100 blocks of 100 kB"
last=$(ls "$WORK/snaps" | sort | tail -n 1)
"$PPROFCHECK" "$WORK/snaps/$last" >"$WORK/last.txt"
expect_grep '^sample [0-9]+,[0-9]+,3,3000 .*\| main\.keepBlocks;' "$WORK/last.txt" \
    "the last snapshot has the 3 blocks left"
line=$(grep -E '^==[0-9]+== peak C heap in use: [0-9]+ bytes in [0-9]+ blocks' "$WORK/log") ||
    fail "no peak line in the exit report"
peak=$(echo "$line" | sed -E 's/.*in use: ([0-9]+) bytes.*/\1/')
[ "$peak" -ge 10000000 ] && [ "$peak" -lt 11000000 ] || fail "peak $peak (10 MB kept, then freed)"

# Bad values fail before the program runs.
RC=0
"$CGOHEAP" run --snapshot-interval=1s --snapshot-dir="$WORK/none" -- "$LIVE" x 2>"$WORK/e" || RC=$?
[ "$RC" != 0 ] && grep -q 'snapshot-dir' "$WORK/e" || fail "a missing directory was accepted"
RC=0
"$CGOHEAP" run --snapshot-interval=soon --snapshot-dir="$WORK" -- "$LIVE" x 2>"$WORK/e" || RC=$?
[ "$RC" != 0 ] || fail "a bad duration was accepted"
RC=0
"$CGOHEAP" run --snapshot-interval=0.5s --snapshot-dir="$WORK" -- "$LIVE" x 2>"$WORK/e" || RC=$?
[ "$RC" != 0 ] && grep -q "bad value '0.5s' for --snapshot-interval" "$WORK/e" ||
    fail "an interval under 1 s was accepted"
RC=0
"$CGOHEAP" run --snapshot-interval=1s -- "$LIVE" x 2>"$WORK/e" || RC=$?
[ "$RC" != 0 ] && grep -q 'go together' "$WORK/e" || fail "--snapshot-interval without a directory"
RC=0
"$CGOHEAP" run --http= -- "$LIVE" x 2>"$WORK/e" || RC=$?
[ "$RC" != 0 ] && grep -q "bad value '' for --http" "$WORK/e" || fail "an empty --http was accepted"

"$CGOHEAP" run --help >"$WORK/help"
"$CGOHEAP" --bash-completion >"$WORK/completion"
for o in http=ADDR http-allow-remote snapshot-interval=DURATION snapshot-dir=DIR; do
    expect_grep "^  --$o " "$WORK/help" "--help lists --$o"
    expect_grep "[' ]--${o%%=*}[= ']" "$WORK/completion" "completion offers --${o%%=*}"
done
