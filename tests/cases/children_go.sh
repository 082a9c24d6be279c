# shellcheck shell=bash
# `cgoheap run go run .`: the program is a child of the go tool, which
# builds it first. Its leak is reported with its Go line (the executable,
# deleted by go once the program ends, is read while the program is held
# at its exit stop); the compiler, cgo, the C compiler and the linker that
# go starts are skipped; the program's output and status pass through.
# Before, the agent never attached: nothing was recorded.
# go: both
# timeout: 600
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
go_env
src=$ROOT/tests/progs/go/gorun/main.go
line=$(line_of "LEAK-gorun" "$src") || exit 1
mkdir -p "$WORK/gorun" && cp "$src" "$WORK/gorun/" || exit 1
cd "$WORK/gorun" || exit 1
"$GO" build -o /dev/null . || fail "cannot build the program" # warms the cache
for run in 1 2 3 4 5; do
    ch_run -- "$GO" run .
    expect_eq "$RC" 0 "exit status (run $run)"
    expect_eq "$(cat "$WORK/stdout")" "gorun ok" "the program's output (run $run)"
    expect_record '^==[0-9]+== 17 bytes in 1 blocks are definitely lost' \
        "$(cgo_re CString main.leak "$line")"
    expect_grep '^==[0-9]+== Command: .*/gorun$' "$WORK/report" "the program's report (run $run)"
    # The go tool's report and the program's: no compiler, linker or C compiler.
    grep 'C heap check of' "$WORK/report" >"$WORK/heads"
    expect_eq "$(wc -l <"$WORK/heads")" 2 "reports (run $run): $(tr '\n' ' ' <"$WORK/heads")"
    expect_no_grep '/(compile|link|asm|cgo|buildid|pack|cc1|collect2|as|ld|gcc[^/]*)$' \
        "$WORK/heads" "the toolchain is skipped"
done
