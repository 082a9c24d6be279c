# shellcheck shell=bash
# A NULL dereference in C (default SIGSEGV action) after a leak: status 128+11, leak reported.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
go_exit_case exit_segv 139
