# shellcheck shell=bash
# os.Exit(3) after a C.CString leak: cgoheap exits 3 and reports the leak.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
go_exit_case exit_os 3
