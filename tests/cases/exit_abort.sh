# shellcheck shell=bash
# C abort() under GOTRACEBACK=crash after a leak: status 128+6, leak reported.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
# Without GOTRACEBACK=crash the Go runtime turns SIGABRT into exit 2.
export GOTRACEBACK=crash
go_exit_case exit_abort 134
