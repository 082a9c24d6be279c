# shellcheck shell=bash
# The exit path's arrays of blocks (the record reader's, the sort's buffer)
# are backed by 2 MiB pages and sized for every block at once. A fresh page
# is the dearest thing the exit path touches on a virtual machine (64 MiB of
# 4 KiB pages: 0.25-0.5 s of CPU, the same in 2 MiB pages 0.01-0.2 s), and
# an array one block short was doubled by a copy into fresh 4 KiB pages.
# Lists of 200k and 2M nodes kept to the exit, --no-scan: the launcher's
# own faults (the run's, less the program's) rose by 21,094 from the small
# list to the large one with 4 KiB arrays, and fall by 2,294 now (the small
# list's arrays stay below the size worth 2 MiB pages).
. "$ROOT/tests/lib.sh"
need_cgoheap
[ -x /usr/bin/time ] || skip "GNU time not installed"
command -v setarch >/dev/null || skip "setarch not installed"
setarch -R true 2>/dev/null || skip "cannot turn off address randomisation here"
thp=/sys/kernel/mm/transparent_hugepage/enabled
grep -qE '\[(always|madvise)\]' "$thp" 2>/dev/null || skip "no transparent huge pages here"
bin=$(c_build tests/progs/c/listpages.c) || exit 1

small=$(launcher_faults 200000 "$bin" 200000 keep) || exit 1
big=$(launcher_faults 2000000 "$bin" 2000000 keep) || exit 1
expect_grep "unfreed at exit: 32,000,000 bytes in 2,000,000 blocks" "$WORK/report.2000000" "every kept node read"
echo "launcher faults: $small with 200k kept nodes, $big with 2M"
# 1.8M more blocks of 32 bytes, twice over, are 28,000 faults in 4 KiB pages.
[ $((big - small)) -le 8000 ] ||
    fail "the launcher took $((big - small)) more faults reading 1.8M more blocks"
