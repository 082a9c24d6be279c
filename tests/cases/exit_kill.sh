# shellcheck shell=bash
# The program SIGKILLs itself after a leak: status 128+9 and the leak still reported.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
go_exit_case exit_kill 137
