# shellcheck shell=bash
# Output files are checked before the program runs (a typo must not lose a
# long run's profile), and a report that cannot be written (full disk)
# gives one clear line and status 1.
. "$ROOT/tests/lib.sh"
need_cgoheap
leaky=$(c_build tests/progs/c/two_leaks.c) || exit 1

for opt in --log-file --pprof --json --folded; do
    rm -f "$WORK/ran"
    ch_run "$opt=$WORK/no/such/dir/out" -- sh -c "touch '$WORK/ran'"
    expect_eq "$RC" 1 "$opt to a missing directory"
    [ ! -e "$WORK/ran" ] || fail "$opt to a missing directory: the program ran anyway"
    expect_eq "$(wc -l <"$WORK/report")" 1 "$opt: one line"
    expect_grep "^cgoheap: $WORK/no/such/dir/out: No such file or directory\$" "$WORK/report" \
        "$opt: the error names the path"
    rm -f "$WORK/ran"
    ch_run "$opt=$WORK" -- sh -c "touch '$WORK/ran'"
    expect_eq "$RC" 1 "$opt to a directory"
    [ ! -e "$WORK/ran" ] || fail "$opt to a directory: the program ran anyway"
done

# An existing output keeps its content until the report replaces it.
echo old >"$WORK/keep.json"
ch_run --json="$WORK/keep.json" -- "$leaky"
expect_eq "$RC" 0 "json to an existing file"
expect_grep '"definite"' "$WORK/keep.json" "json written"

# Full disk: /dev/full, and a tiny tmpfs where the system allows mounting one.
ch_run --log-file=/dev/full -- "$leaky"
expect_eq "$RC" 1 "--log-file=/dev/full"
expect_grep "^cgoheap: /dev/full: No space left on device\$" "$WORK/report" "full disk: said so"
mkdir -p "$WORK/tiny"
if mount -t tmpfs -o size=4k tmpfs "$WORK/tiny" 2>/dev/null; then
    trap 'umount "$WORK/tiny"' EXIT
    head -c 4096 /dev/zero >"$WORK/tiny/filler" 2>/dev/null || true
    ch_run --log-file="$WORK/tiny/report.txt" --show-leak-kinds=all -- "$leaky"
    expect_eq "$RC" 1 "--log-file on a full tmpfs"
    expect_grep "report.txt: No space left on device\$" "$WORK/report" "full tmpfs: said so"
else
    skip_sub full-tmpfs "cannot mount a tmpfs here"
fi
