# shellcheck shell=bash
# The live table's growth touches few fresh pages: building 1M list nodes,
# the pages faulted under the agent beyond the program's own stay under 80
# bytes per live block. A table grown by a factor g has touched g / (g - 1)
# times its final size: 16,398 pages (67 bytes a block) doubling, 22,956
# (94 bytes) when tables grew by 40%. Without address randomisation the
# heap, and so the split of blocks between shards, is the same every run.
. "$ROOT/tests/lib.sh"
need_cgoheap
command -v setarch >/dev/null || skip "setarch not installed"
setarch -R true 2>/dev/null || skip "cannot turn off address randomisation here"
bin=$(c_build tests/progs/c/listpages.c) || exit 1
n=1000000

native=$(setarch -R "$bin" $n | sed -n 's/^build_faults=//p')
[ -n "$native" ] || fail "no build_faults from the program run natively"
RC=0
setarch -R "$CGOHEAP" run --no-scan --log-file="$WORK/report" -- "$bin" $n >"$WORK/stdout" 2>&1 || RC=$?
expect_eq "$RC" 0 "exit status"
agent=$(sed -n 's/^build_faults=//p' "$WORK/stdout")
[ -n "$agent" ] || {
    show "$WORK/stdout"
    fail "no build_faults from the program under the agent"
}
extra=$((agent - native))
echo "pages faulted building $n nodes: $native natively, $agent under the agent ($((extra * 4096 / n)) bytes a block)"
[ $((extra * 4096)) -le $((80 * n)) ] || fail "the agent faulted $extra pages for $n live blocks (over 80 bytes a block)"
