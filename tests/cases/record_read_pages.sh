# shellcheck shell=bash
# The launcher copies the live table out of the record's file instead of
# faulting it into its own mapping: the page faults it takes do not grow
# with the table. Lists of 250k and 3M nodes, all freed before exit, leave
# empty tables of 8 and 64 MiB or so; the launcher's own faults (the run's,
# less the program's) were 778 and 1,818 when it read the tables through
# the mapping (16 pages a fault), 681 and 680 since it copies them.
. "$ROOT/tests/lib.sh"
need_cgoheap
[ -x /usr/bin/time ] || skip "GNU time not installed"
command -v setarch >/dev/null || skip "setarch not installed"
setarch -R true 2>/dev/null || skip "cannot turn off address randomisation here"
bin=$(c_build tests/progs/c/listpages.c) || exit 1

small=$(launcher_faults 250000 "$bin" 250000) || exit 1
big=$(launcher_faults 3000000 "$bin" 3000000) || exit 1
echo "launcher faults: $small with 250k nodes, $big with 3M"
[ $((big - small)) -le 300 ] || fail "the launcher took $((big - small)) more faults reading a 16x larger table"
