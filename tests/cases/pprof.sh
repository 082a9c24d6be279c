# shellcheck shell=bash
# --pprof=FILE writes a profile that Go's own pprof reads: seed1 shows
# main.main with 17 B in use through C.CString, seed2 shows f1 with 128 MiB
# and main.main. (main.main also holds the 4 KiB stdout buffer that C's
# printf allocated, which is in use at exit too: hence the -focus.)
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap

# pprof_cum PROFILE FUNCTION FOCUS -> the cumulative inuse_space of
# FUNCTION, in bytes, over the samples whose stack matches FOCUS. pprof
# marks a function inlined into its caller "NAME (inline)".
pprof_cum() {
    "$GO" tool pprof -top -unit=B -sample_index=inuse_space -nodefraction=0 \
        -nodecount=100000 -focus="$3" "$1" 2>"$WORK/pprof.err" |
        awk -v f="$2" '{ sub(/ \(inline\)$/, "") } $NF == f && $4 ~ /B$/ {
            sub(/B$/, "", $4); print $4; exit
        }'
}

bin=$(go_build tests/progs/go/seed1 seed1) || exit 1
ch_run --pprof="$WORK/seed1.pb.gz" -- "$bin"
expect_eq "$RC" 0 "exit status"
[ -s "$WORK/seed1.pb.gz" ] || fail "--pprof wrote no file"
"$GO" tool pprof -top "$WORK/seed1.pb.gz" >"$WORK/top1" 2>&1 || {
    show "$WORK/top1"
    fail "go tool pprof cannot read the profile"
}
expect_grep ' main\.main$' "$WORK/top1" "pprof -top names main.main"
expect_eq "$(pprof_cum "$WORK/seed1.pb.gz" main.main _Cfunc_CString)" 17 \
    "inuse_space of C.CString under main.main (seed1)"

bin=$(go_build tests/progs/go/seed2 seed2) || exit 1
ch_run --pprof="$WORK/seed2.pb.gz" -- "$bin"
"$GO" tool pprof -top "$WORK/seed2.pb.gz" >"$WORK/top2" 2>&1 || fail "pprof cannot read seed2's profile"
expect_grep ' f1( \(inline\))?$' "$WORK/top2" "pprof -top names f1"
expect_grep ' main\.main$' "$WORK/top2" "pprof -top names main.main"
expect_eq "$(pprof_cum "$WORK/seed2.pb.gz" f1 '^f1$')" $((128 * 1024 * 1024)) "inuse_space under f1"
expect_eq "$(pprof_cum "$WORK/seed2.pb.gz" main.main '^f1$')" $((128 * 1024 * 1024)) \
    "inuse_space of f1 under main.main"
expect_eq "$(pprof_cum "$WORK/seed2.pb.gz" main.main _Cfunc_CString)" 17 \
    "inuse_space of C.CString under main.main (seed2)"
