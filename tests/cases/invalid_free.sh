# shellcheck shell=bash
# Invalid frees get their own record, like valgrind's "Invalid free() /
# delete / delete[] / realloc()": the bad call's stack, and for a block
# freed before its size, the caller of the first free and the allocation
# stack. The program ends exactly as without cgoheap (glibc's abort on a
# double free included), --error-exitcode fails the run, --json lists them.
# valgrind finds the same number of invalid frees. Programs without one
# (C, C++, Go, Debian tools) get none.
# go: both
. "$ROOT/tests/lib.sh"
need_cgoheap
need_valgrind
src=$ROOT/tests/progs/c/badfree.c
bin=$(c_build tests/progs/c/badfree.c) || exit 1
l_alloc=$(line_of BAD-alloc "$src") || exit 1
l_first=$(line_of BAD-first-free "$src") || exit 1

check_mode() { # MODE MARKER
    local native=0 n
    "$bin" "$1" >/dev/null 2>&1 || native=$?
    ch_run -- "$bin" "$1"
    expect_eq "$RC" "$native" "$1: exit status as without cgoheap"
    n=$(grep -c 'Invalid free() / delete / delete\[\] / realloc()$' "$WORK/report")
    expect_eq "$n" 1 "$1: invalid free records"
    sed -n '/Invalid free()/,/^==[0-9]*== *$/p' "$WORK/report" >"$WORK/record"
    grep -qE "$(frame_re main badfree.c "$(line_of "$2" "$src")")" "$WORK/record" ||
        { show "$WORK/record"; fail "$1: the bad call's line"; }
    vg_run "$bin" "$1"
    expect_eq "$(grep -c 'Invalid free() / delete / delete\[\] / realloc()$' "$WORK/valgrind")" "$n" \
        "$1: valgrind's count of invalid frees"
}

for i in $(seq 20); do
    ch_run -- "$bin" double
    expect_grep "Address 0x[0-9a-f]+ is 0 bytes inside a block of size 24 free'd" "$WORK/report" \
        "double free, run $i"
done
check_mode double BAD-double
expect_grep "$(frame_re release badfree.c "$l_first")" "$WORK/record" "the first free's caller"
expect_grep "$(frame_re make badfree.c "$l_alloc")" "$WORK/record" "the allocation stack"
check_mode realloc BAD-realloc
expect_grep "$(frame_re make badfree.c "$l_alloc")" "$WORK/record" "the allocation stack (realloc)"
check_mode misaligned BAD-misaligned
expect_grep 'is not 16-byte aligned' "$WORK/record" "misaligned pointer"

ch_run --error-exitcode=9 --json="$WORK/r.json" -- "$bin" double
expect_eq "$RC" 9 "--error-exitcode with an invalid free"
python3 - "$WORK/r.json" <<'PY' || fail "--json invalid_frees"
import json, sys
f = json.load(open(sys.argv[1]))["invalid_frees"]
assert len(f) == 1 and f[0]["kind"] == "double_free" and f[0]["call"] == "free", f
assert f[0]["size"] == 24 and f[0]["frames"][0]["function"] == "main", f
assert f[0]["freed_by"][0]["function"] == "release", f
assert [x["function"] for x in f[0]["allocated_at"][:2]] == ["make", "main"], f
PY

# No false reports.
ch_run --error-exitcode=9 -- "$bin" none
expect_eq "$RC" 0 "no invalid free"
for c in tests/progs/c/cxx_clean.cc tests/progs/c/stdio_use.c tests/progs/kinds/tree.c; do
    b=$(c_build "$c") || exit 1
    ch_run -- "$b"
    expect_no_grep 'Invalid free' "$WORK/report" "$c"
done
for cmd in "sort /etc/services" "python3 -c pass" "gzip -c /etc/services"; do
    # shellcheck disable=SC2086
    ch_run -- $cmd
    expect_no_grep 'Invalid free' "$WORK/report" "$cmd"
done
need_go
for p in seed1 goroutines sqlite; do
    [ -d "$ROOT/tests/progs/go/$p" ] || continue
    b=$(go_build "tests/progs/go/$p" "$p") || exit 1
    ch_run -- "$b"
    expect_no_grep 'Invalid free' "$WORK/report" "Go program $p"
done
