# shellcheck shell=bash
# Go called from C: tests/progs/go/cshared/golib built with
# -buildmode=c-archive (linked into main.c, built -O0 and -O2) and
# -buildmode=c-shared (linked at build time, and dlopen'ed), 20 runs of each:
# - exact kinds: the C memory lost under exported Go functions (from main's
#   thread and from a C thread Go did not create) is definitely lost, the C
#   memory Go globals hold is still reachable, Go's own blocks are not
#   reported (the Go runtime is read from the executable or the library);
# - the stacks go on past crosscall2 into the C callers: one record holds
#   the Go line and the main.c line that called the exported function;
# - --show-roots names the Go global holding a reachable block.
# And a Go program whose C code calls back into Go (tests/progs/go/callback):
# the callback's leak has the callback's line and main.main's, which called C.
# go: both
# timeout: 1800
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
go_env
dir=$ROOT/tests/progs/go/cshared
lib=$dir/golib/lib.go main=$dir/main.c
mkdir -p "$WORK/a" "$WORK/so"
(cd "$dir/golib" && "$GO" build -buildmode=c-archive -o "$WORK/a/golib.a" . &&
    "$GO" build -buildmode=c-shared -o "$WORK/so/golib.so" .) >&2 ||
    fail "cannot build $dir/golib with $GO"
gcc -O0 -g -pthread -I"$WORK/a" -o "$WORK/archive" "$main" "$WORK/a/golib.a" ||
    fail "cannot link the c-archive program"
# -O2: main's RBP holds no frame pointer (crosscall2 saves whatever it holds).
gcc -O2 -g -pthread -I"$WORK/a" -o "$WORK/archive_o2" "$main" "$WORK/a/golib.a" ||
    fail "cannot link the c-archive program with -O2"
gcc -O0 -g -pthread -I"$WORK/so" -o "$WORK/shared" "$main" "$WORK/so/golib.so" \
    -Wl,-rpath,"$WORK/so" || fail "cannot link the c-shared program"
gcc -O0 -g -pthread -DDLOPEN -o "$WORK/dlopen" "$main" -ldl || fail "cannot link the dlopen program"

leak_line=$(line_of 'p := C.CString(' "$lib") || exit 1
helper_line=$(line_of 'C.helper_dup(' "$lib") || exit 1
from_c_leak=$(line_of 'GoLeak(); /* leak: GoLeak */' "$main") || exit 1
from_c_helper=$(line_of 'GoHelper(); /* leak: GoHelper */' "$main") || exit 1
thread_leak=$(line_of 'GoLeak(); /* leak: GoLeak from a C thread */' "$main") || exit 1
keep_line=$(line_of 'GoKeep(); /* keep: GoKeep */' "$main") || exit 1

holder_type='main\.holder'
case $GOVER in go1.19 | go1.2[01]) holder_type='type unknown' ;; esac

check() { # check NAME RUN: one run's report
    expect_eq "$RC" 0 "$1 exit status ($2)"
    expect_eq "$(kinds "$WORK/report")" \
        "definite=138/4 indirect=0/0 possible=0/0 reachable=764/3" "$1 kinds ($2)"
    expect_record '35 bytes in 1 blocks are definitely lost' \
        "main\\.GoLeak \\(lib\\.go:$leak_line\\)" "from_c \\(main\\.c:$from_c_leak\\)"
    expect_record '35 bytes in 1 blocks are definitely lost' \
        "main\\.GoLeak \\(lib\\.go:$leak_line\\)" "c_thread \\(main\\.c:$thread_leak\\)"
    expect_record '34 bytes in 1 blocks are definitely lost' 'strdup' \
        "main\\.GoHelper \\(lib\\.go:$helper_line\\)" "from_c \\(main\\.c:$from_c_helper\\)"
    expect_record '34 bytes in 1 blocks are definitely lost' 'allocated by C\.CString' \
        "main\\.GoHelper \\(lib\\.go:$helper_line\\)" "from_c \\(main\\.c:$from_c_helper\\)"
    expect_record '16 bytes in 1 blocks are still reachable' \
        "main\\.GoKeep " "main \\(main\\.c:$keep_line\\)" \
        'held by global main\.keptPtr\+0 in (archive|archive_o2|golib\.so)$'
    # The Go object between: named by its global in the library too, never
    # by a word of the runtime's off-heap memory, and typed where Go keeps it.
    local held='held by global main\.keptHolder\+0 in (archive|archive_o2|golib\.so)'
    expect_record '700 bytes in 1 blocks are still reachable' "main\\.GoKeep " \
        "$held, through a Go object of 640 bytes at 0x[0-9a-f]+ \\($holder_type\\)\$"
}

for i in $(seq 20); do
    ch_run --show-roots --show-leak-kinds=all -- "$WORK/archive" >/dev/null
    check c-archive "run $i"
    ch_run --show-roots --show-leak-kinds=all -- "$WORK/archive_o2" >/dev/null
    check "c-archive, C built -O2" "run $i"
    ch_run --show-roots --show-leak-kinds=all -- "$WORK/shared" >/dev/null
    check c-shared "run $i"
    ch_run --show-roots --show-leak-kinds=all -- "$WORK/dlopen" "$WORK/so/golib.so" >/dev/null
    check "c-shared by dlopen" "run $i"
done

# -v says where the Go runtime was read from (the library for c-shared).
ch_run -v -- "$WORK/dlopen" "$WORK/so/golib.so" >/dev/null
expect_grep "Go runtime read from the library .*/golib\\.so$" "$WORK/report" \
    "-v names the library holding the Go runtime"
expect_grep 'goroutine frames: [1-9][0-9]* scanned with Go.s stack maps' "$WORK/report" \
    "-v reports the precise frames of the library's goroutines"

# Go -> C -> Go: the stack goes on from the callback to the Go caller of C.
cb=$(go_build tests/progs/go/callback callback) || exit 1
cb_src=$ROOT/tests/progs/go/callback/main.go
cb_leak=$(line_of 'C.CString(' "$cb_src") || exit 1
cb_call=$(line_of 'C.c_calls_back()' "$cb_src") || exit 1
for i in $(seq 20); do
    ch_run --show-leak-kinds=all -- "$cb" >/dev/null
    expect_eq "$RC" 0 "callback exit status (run $i)"
    expect_eq "$(kinds "$WORK/report")" \
        "definite=21/1 indirect=0/0 possible=0/0 reachable=0/0" "callback kinds (run $i)"
    expect_record '21 bytes in 1 blocks are definitely lost' \
        "main\\.goCallback \\(main\\.go:$cb_leak\\)" "main\\.main \\(main\\.go:$cb_call\\)"
done
