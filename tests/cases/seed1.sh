# shellcheck shell=bash
# Seed experiment 1: C.CString without C.free is definitely lost, and the
# report names the Go line of the C.CString call plus a hint.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
src=tests/progs/go/seed1/main.go
bin=$(go_build tests/progs/go/seed1 seed1) || exit 1
line=$(line_of 'C.CString(' "$ROOT/$src") || exit 1

ch_run -- "$bin"
expect_eq "$RC" 0 "exit status of a program that returns normally"
expect_grep "^==[0-9]+== cgoheap: C heap check of " "$WORK/report" "report banner"
expect_record '17 bytes in 1 blocks are definitely lost in loss record [0-9]+ of [0-9]+' \
    "^==[0-9]+==    $(cgo_re CString main.main "$line")" \
    "^==[0-9]+==    hint: memory from C\\.CString is not managed by Go's GC"
expect_eq "$(summary definite "$WORK/report")" "17 1" "definitely lost total"
