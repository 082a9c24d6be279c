# shellcheck shell=bash
# A program the agent cannot be preloaded into (static, set-user-ID) fails
# a gate with status 125 and says why; cgoheap installed under a path with
# a space and a colon (which LD_PRELOAD splits on) still tracks; a Go
# program without cgo is said to have no C heap and passes.
. "$ROOT/tests/lib.sh"
need_cgoheap
leaky=$(c_build tests/progs/c/two_leaks.c) || exit 1
static=$WORK/static_leaks
gcc -O0 -g -static -o "$static" "$ROOT/tests/progs/c/two_leaks.c" || fail "cannot link statically"

ch_run --error-exitcode=42 -- "$static"
expect_eq "$RC" 125 "static program with a gate"
expect_grep "^cgoheap: nothing was tracked: .*static_leaks is statically linked" "$WORK/report" \
    "static program: the reason, on stderr"
ch_run -- "$static"
expect_eq "$RC" 0 "static program without a gate keeps its status"
expect_grep "note: nothing was recorded: .* statically linked" "$WORK/report" "static: the note"

# Set-user-ID to another user: the loader's secure mode drops LD_PRELOAD.
if [ "$(id -u)" = 0 ]; then
    cp "$leaky" "$WORK/suid_leaks"
    chown nobody "$WORK/suid_leaks" && chmod 4755 "$WORK/suid_leaks"
    ch_run --error-exitcode=42 -- "$WORK/suid_leaks"
    expect_eq "$RC" 125 "set-user-ID program with a gate"
    expect_grep "set-user-ID or set-group-ID, and the loader ignores LD_PRELOAD" "$WORK/report" \
        "set-user-ID: the reason"
else
    skip_sub set-user-ID "needs root to give a file to another user"
fi

# Installed under "my dir:x": the agent is found next to the CLI.
inst="$WORK/my dir:x"
mkdir -p "$inst/bin" "$inst/lib"
cp "$CGOHEAP" "$inst/bin/cgoheap"
cp "$(dirname "$CGOHEAP")/../lib/libcgoheap.so" "$inst/lib/"
RC=0
"$inst/bin/cgoheap" run --error-exitcode=42 -- "$leaky" </dev/null >/dev/null 2>"$WORK/report" || RC=$?
expect_eq "$RC" 42 "installed under a path with a space and a colon: the leaks fail the gate"
expect_eq "$(summary definite "$WORK/report")" "333 2" "path with a space: leaks found"
expect_no_grep "nothing was" "$WORK/report" "path with a space: tracked"
[ -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'cgoheap-??????' -user "$(id -u)" -newer "$inst/bin/cgoheap" 2>/dev/null)" ] ||
    fail "the agent's symlink directory was left behind"

# A Go program without cgo has no C heap: nothing to fail.
if [ -x "${GO:-}" ]; then
    mkdir -p "$WORK/gopure"
    printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("pure") }\n' >"$WORK/gopure/main.go"
    go_env
    (cd "$WORK/gopure" && CGO_ENABLED=0 "$GO" build -o pure .) || fail "cannot build a pure Go program"
    ch_run --error-exitcode=42 -- "$WORK/gopure/pure"
    expect_eq "$RC" 0 "Go without cgo with a gate"
    expect_eq "$(cat "$WORK/stdout")" pure "Go without cgo: its output"
    expect_grep "is a Go program built without cgo: it has no C heap to check" "$WORK/report" \
        "Go without cgo: said so"
else
    skip_sub go-without-cgo "no Go toolchain at ${GO:-?}"
fi
