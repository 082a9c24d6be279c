# shellcheck shell=bash
# A shard's live table grows in place (src/agent/live.c, grow_down): only
# the slots it adds are fresh pages, where a table copied into a new one at
# each growth by 40% wrote 3.5 times its final size in fresh pages (on this
# kind of virtual machine a fresh page costs 6 to 13 us of CPU). A list of
# 1M nodes kept live: the pages the build faults under the agent, less
# those it faults natively, were 94 bytes per live block with the copies
# and are 26 now (the table itself, 21 to 30 bytes per block).
. "$ROOT/tests/lib.sh"
need_cgoheap
command -v setarch >/dev/null || skip "setarch not installed"
setarch -R true 2>/dev/null || skip "cannot turn off address randomisation here"
bin=$(c_build tests/progs/c/listpages.c) || exit 1
n=1000000

native=$(setarch -R "$bin" $n keep | sed -n 's/^build_faults=//p')
setarch -R "$CGOHEAP" run --no-scan --log-file="$WORK/report" -- "$bin" $n keep >"$WORK/stdout" 2>&1 ||
    fail "the run under cgoheap failed"
agent=$(sed -n 's/^build_faults=//p' "$WORK/stdout")
[ -n "$native" ] && [ -n "$agent" ] || fail "no fault counts (native '$native', agent '$agent')"
expect_grep "unfreed at exit: 16,000,000 bytes in 1,000,000 blocks" "$WORK/report" "every node recorded"
per_block=$(((agent - native) * 4096 / n))
echo "build faults: native $native, under the agent $agent: $per_block bytes of fresh pages per live block"
[ "$per_block" -le 40 ] || fail "the agent faulted $per_block bytes of fresh pages per live block (want <= 40)"
