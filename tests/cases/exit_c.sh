# shellcheck shell=bash
# C's exit(5) called from Go after a leak: status 5 and the leak reported.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
go_exit_case exit_c 5
