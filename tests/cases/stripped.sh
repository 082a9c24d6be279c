# shellcheck shell=bash
# A Go binary linked with -ldflags='-s -w' (no symbol table, no DWARF):
# .gopclntab survives, so the C.CString leak still names main.main and line.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
src=$ROOT/tests/progs/go/seed1/main.go
bin=$(go_build tests/progs/go/seed1 seed1-stripped -ldflags='-s -w') || exit 1
line=$(line_of 'C.CString(' "$src") || exit 1
if readelf -S "$bin" | grep -qE '\.(symtab|debug_info)'; then
    fail "$bin still has .symtab or .debug_info"
fi

ch_run -- "$bin"
expect_eq "$RC" 0 "exit status"
expect_record '17 bytes in 1 blocks are definitely lost' \
    "$(cgo_re CString main.main "$line")"
