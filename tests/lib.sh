# shellcheck shell=bash
# Helpers for tests/cases/*.sh. Sourced by every case; tests/run sets:
#   ROOT      repository root (absolute)
#   OUT       tests/out (absolute): build products and per-case scratch
#   WORK      this case instance's scratch directory (empty at start)
#   CGOHEAP   the CLI under test
#   GO, GOVER the Go toolchain for "# go: both" cases, and its label
#   PARAM     the file a "# each:" case runs on (relative to ROOT)
# A case exits 0 (ok), 77 (skip, after printing "skip: why") or anything
# else (fail). Helpers that assert print what they saw and then exit 1,
# so the last lines of a failing case's log say why it failed.

set -u

# ---- verdicts -----------------------------------------------------------

# Both print to stderr so that they reach the log even when called inside
# $(...); such calls must be written "x=$(helper ...) || exit 1", since an
# exit inside a command substitution only leaves the subshell.
skip() {
    echo "skip: $*" >&2
    exit 77
}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# skip_sub WHAT WHY: a part of the case that cannot run here; the case goes
# on, and the runner's summary counts the part as skipped.
skip_sub() {
    echo "SKIP $1: $2" >&2
}

# Print a file for the log when an assertion about it fails.
show() {
    {
        echo "---- $1 (first 60 lines) ----"
        head -n 60 "$1"
        echo "---- end of $1 ----"
    } >&2 2>/dev/null
}

# ---- requirements -------------------------------------------------------

need_cgoheap() {
    [ -x "$CGOHEAP" ] || skip "$CGOHEAP not built (run make)"
}

need_go() {
    if [ -z "${GO:-}" ] || [ ! -x "$GO" ]; then
        skip "Go toolchain ${GO:-?} not installed"
    fi
}

need_valgrind() {
    command -v valgrind >/dev/null || skip "valgrind not installed"
}

# ---- building -----------------------------------------------------------

# The build is atomic (temp file + mv) so that parallel cases that need
# the same program never run a half-written binary.

# c_build SRC [EXTRA_FLAGS...] -> prints the binary's path.
# -O0 -g: kinds must not depend on what the optimiser keeps in registers.
# include/ is on the path: programs that forge a record include cgoheap/shm.h.
c_build() {
    local src=$ROOT/$1
    shift
    local name
    name=$(basename "$src")
    local bin=$OUT/c/${name%.*}
    mkdir -p "$OUT/c"
    if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ $# -gt 0 ]; then
        local cc=gcc
        case $src in *.cc | *.cpp) cc=g++ ;; esac
        $cc -O0 -g -pthread -I"$ROOT/include" -o "$bin.tmp.$$" "$src" "$@" >&2 || fail "cannot compile $src"
        mv -f "$bin.tmp.$$" "$bin"
    fi
    echo "$bin"
}

# go_env: GOPATH mode, as the project builds Go programs. GOPATH points
# at the Debian Go sources (mattn/go-sqlite3) unless the caller set one.
go_env() {
    export GO111MODULE=off GOFLAGS=-buildvcs=false
    export GOCACHE=$OUT/gocache
    export GOPATH=${TESTS_GOPATH:-/usr/share/gocode}
}

# go_build PKGDIR NAME [GO_BUILD_ARGS...] -> prints the binary's path.
# PKGDIR is relative to ROOT. go's own cache makes repeated builds cheap.
go_build() {
    local pkg=$1 name=$2
    shift 2
    local bin=$OUT/go/$GOVER/$name
    mkdir -p "$OUT/go/$GOVER"
    go_env
    (cd "$ROOT/$pkg" && "$GO" build "$@" -o "$bin.tmp.$$" .) >&2 ||
        fail "cannot build $pkg with $GO"
    mv -f "$bin.tmp.$$" "$bin"
    echo "$bin"
}

# ---- running ------------------------------------------------------------

# ch_run [CGOHEAP_OPTIONS...] -- PROGRAM [ARGS...]
# Runs "cgoheap run" with stdin from /dev/null unless STDIN names a file.
# Sets RC; the report (stderr) is in $WORK/report, stdout in $WORK/stdout.
ch_run() {
    local in=${STDIN:-/dev/null}
    RC=0
    "$CGOHEAP" run "$@" <"$in" >"$WORK/stdout" 2>"$WORK/report" || RC=$?
    echo "cgoheap run $* -> exit $RC"
}

# vg_run [VALGRIND_OPTIONS...] PROGRAM [ARGS...] -> $WORK/valgrind (memcheck,
# every leak kind shown, so its LEAK SUMMARY has all four kinds)
vg_run() {
    valgrind --leak-check=full --show-leak-kinds=all "$@" \
        </dev/null >/dev/null 2>"$WORK/valgrind" || true
}

# ---- reading reports ----------------------------------------------------

# line_of FIXED_STRING FILE -> the line number of its only occurrence.
# Expected lines are always computed from the source, never written down.
line_of() {
    local n
    n=$(grep -c -F -- "$1" "$2")
    [ "$n" = 1 ] || fail "expected exactly one '$1' in $2, found $n"
    grep -n -F -- "$1" "$2" | cut -d: -f1
}

# summary KIND FILE -> "BYTES BLOCKS" from the LEAK SUMMARY of a cgoheap or
# valgrind report. KIND: definite indirect possible reachable suppressed
# unfreed. A report that says all blocks were freed yields "0 0".
summary() {
    local label
    case $1 in
    definite) label='definitely lost' ;;
    indirect) label='indirectly lost' ;;
    possible) label='possibly lost' ;;
    reachable) label='still reachable' ;;
    suppressed) label='suppressed' ;;
    unfreed) label='unfreed at exit' ;;
    *) fail "summary: unknown kind $1" ;;
    esac
    local line
    line=$(grep -E "^==[0-9]+== +$label: [0-9,]+ bytes in [0-9,]+ blocks" "$2" | tail -n 1)
    if [ -n "$line" ]; then
        echo "$line" | sed -E 's/.*: ([0-9,]+) bytes in ([0-9,]+) blocks.*/\1 \2/' | tr -d ,
    elif grep -qE '^==[0-9]+== All heap blocks were freed -- no leaks are possible' "$2"; then
        echo "0 0"
    elif grep -qE '^==[0-9]+== LEAK SUMMARY:' "$2"; then
        echo "0 0" # a kind the summary does not list (unfreed when scanned)
    else
        show "$2"
        fail "no LEAK SUMMARY in $2"
    fi
}

# kinds FILE -> "definite=B/N indirect=B/N possible=B/N reachable=B/N"
kinds() {
    local k s out=""
    for k in definite indirect possible reachable; do
        s=$(summary $k "$1") || exit 1
        out="$out $k=${s% *}/${s#* }"
    done
    echo "${out# }"
}

# record HEADER_ERE FILE -> the loss records (header and frames) whose
# header line matches HEADER_ERE, e.g. '134,217,728 bytes in 1 blocks'.
record() {
    awk -v re="$1" '
        /^==[0-9]+== [0-9,]+ (\([0-9,]+ direct, [0-9,]+ indirect\) )?bytes in [0-9,]+ blocks are / {
            inrec = ($0 ~ re)
        }
        /^==[0-9]+== *$/ { inrec = 0 }
        inrec { print }
    ' "$2"
}

# proc_reports PROGRAM_ERE FILE -> the reports (all their lines) of the
# processes whose heading "cgoheap: C heap check of PROGRAM" matches
# PROGRAM_ERE: with children followed, a report holds one per process.
proc_reports() {
    awk -v re="$1" '
        match($0, /^==[0-9]+==/) {
            pid = substr($0, 3, RLENGTH - 4)
            if ($0 ~ /^==[0-9]+== cgoheap: C heap check of /) {
                prog = $0
                sub(/^==[0-9]+== cgoheap: C heap check of /, "", prog)
                if (prog ~ re) want[pid] = 1
            }
            if (pid in want) print
        }
    ' "$2"
}

# expect_grep ERE FILE WHY
expect_grep() {
    grep -qE -- "$1" "$2" || {
        show "$2"
        fail "$3 (no line matches /$1/)"
    }
}

# expect_no_grep ERE FILE WHY
expect_no_grep() {
    ! grep -qE -- "$1" "$2" || {
        grep -E -- "$1" "$2" | head -n 5
        fail "$3 (a line matches /$1/)"
    }
}

# expect_eq ACTUAL EXPECTED WHY
expect_eq() {
    [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

# expect_record HEADER_ERE FRAME_ERE... : one record whose header matches
# and whose lines match every FRAME_ERE (frames may be at any depth). The
# frames must all be in the same record, not spread over several.
expect_record() {
    local header=$1
    shift
    record "$header" "$WORK/report" >"$WORK/record"
    [ -s "$WORK/record" ] || {
        show "$WORK/report"
        fail "no loss record with header /$header/"
    }
    local dir=$WORK/records n=0 f re ok
    rm -rf "$dir" && mkdir -p "$dir"
    awk -v dir="$dir" -v re="$header" '
        /^==[0-9]+== [0-9,]+ (\([0-9,]+ direct, [0-9,]+ indirect\) )?bytes in [0-9,]+ blocks are / {
            if ($0 ~ re) { n++; out = dir "/" n } else out = ""
        }
        /^==[0-9]+== *$/ { out = "" }
        out != "" { print > out }
    ' "$WORK/report"
    for f in "$dir"/*; do
        ok=1
        for re in "$@"; do
            grep -qE -- "$re" "$f" || { ok=0; break; }
        done
        [ $ok = 1 ] && return 0
        n=$((n + 1))
    done
    show "$WORK/record"
    fail "none of the $n records /$header/ has every line /$*/"
}

# frame_re FUNCTION FILE LINE -> ERE of a shown frame "at|by 0x..: F (FILE:LINE)"
frame_re() {
    echo "(at|by) 0x[0-9A-Fa-f]+: $1 \\($2:$3\\)"
}

# cgo_re HELPER FUNCTION LINE -> ERE of the line "allocated by C.X in F (main.go:N)"
cgo_re() {
    echo "allocated by C\\.$1 in $2 \\(main\\.go:$3\\)"
}

# go_exit_case NAME EXPECTED_STATUS: builds tests/progs/go/NAME (a program
# that leaks one C.CString, then ends in some special way), checks that it
# ends with EXPECTED_STATUS natively, and that under cgoheap the status
# is passed through unchanged and the leak is still reported with its line.
go_exit_case() {
    local name=$1 want=$2
    local src=$ROOT/tests/progs/go/$name/main.go bin line native=0
    bin=$(go_build "tests/progs/go/$name" "$name") || exit 1
    line=$(line_of 'C.CString(' "$src") || exit 1
    "$bin" </dev/null >/dev/null 2>&1 || native=$?
    expect_eq "$native" "$want" "native exit status of $name (the test program is wrong)"
    ch_run --show-leak-kinds=all -- "$bin"
    expect_eq "$RC" "$native" "exit status under cgoheap"
    expect_record '^==[0-9]+== [0-9,]+ bytes in 1 blocks are ' \
        "$(cgo_re CString main.main "$line")"
}

# vg_default_supp FILE: writes cgoheap's built-in suppressions (from
# --print-default-suppressions, LSan "leak:PATTERN" lines) as a valgrind
# suppression file, so that a comparison with valgrind hides the same
# library-internal blocks in both tools. LSan patterns match a substring
# unless anchored by ^ or $; valgrind's fun: patterns match the whole name.
vg_default_supp() {
    "$CGOHEAP" run --print-default-suppressions >"$WORK/defaults.lsan" 2>&1 || {
        show "$WORK/defaults.lsan"
        fail "cgoheap run --print-default-suppressions failed"
    }
    awk '
        /^[ \t]*leak:/ {
            p = $0
            sub(/^[ \t]*leak:[ \t]*/, "", p)
            if (p ~ /^\^/) p = substr(p, 2); else p = "*" p
            if (p ~ /\$$/) p = substr(p, 1, length(p) - 1); else p = p "*"
            printf "{\n   cgoheap-default-%d\n   Memcheck:Leak\n   ...\n   fun:%s\n   ...\n}\n", ++n, p
        }
        # the built-in rule on the modules: libstdc++ frames under ld.so (its start-up)
        /^# libstdc\+\+ start-up:/ {
            printf "{\n   cgoheap-default-libstdcxx-startup\n   Memcheck:Leak\n   fun:malloc\n"
            printf "   obj:*/libstdc++.so*\n   obj:*/ld-linux-x86-64.so*\n}\n"
        }
    ' "$WORK/defaults.lsan" >"$1"
    [ -s "$1" ] || fail "no leak: lines in --print-default-suppressions output"
}

# launcher_faults TAG PROG ARGS... : minor faults of the launcher alone in a
# --no-scan run of PROG, which prints its own as run_faults=R (the run's faults,
# less the program's); address randomisation off, so runs repeat. The report,
# time and output are $WORK/report.TAG, time.TAG, stdout.TAG.
launcher_faults() {
    local tag=$1 all own
    shift
    setarch -R /usr/bin/time -f "time_faults=%R" -o "$WORK/time.$tag" \
        "$CGOHEAP" run --no-scan --log-file="$WORK/report.$tag" -- "$@" >"$WORK/stdout.$tag" 2>&1 ||
        fail "the run of $* failed"
    all=$(sed -n 's/^time_faults=//p' "$WORK/time.$tag")
    own=$(sed -n 's/^run_faults=//p' "$WORK/stdout.$tag")
    if [ -z "$all" ] || [ -z "$own" ]; then
        fail "no fault counts for $*"
    fi
    echo $((all - own))
}

# ---- waiting ------------------------------------------------------------

# wait_for CMD... : polls CMD every 20 ms for up to WAIT_SECS (default 20 s,
# scaled by TIMEOUT_SCALE); no fixed sleep stands for "long enough".
wait_for() {
    local tries
    tries=$(awk -v s="${WAIT_SECS:-20}" -v k="${TIMEOUT_SCALE:-1}" 'BEGIN { printf "%d", s * k * 50 }')
    while [ "$tries" -gt 0 ]; do
        "$@" && return 0
        sleep 0.02
        tries=$((tries - 1))
    done
    return 1
}

# wait_for_file PATH / wait_for_grep ERE FILE
wait_for_file() { wait_for test -e "$1"; }
wait_for_grep() { wait_for grep -qE -- "$1" "$2"; }
