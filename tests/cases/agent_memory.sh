# shellcheck shell=bash
# "agent memory" (text) and agent.memory_bytes (JSON) count what the agent
# uses, not what it reserves: a thread that allocates a little uses a few
# of its cache's rules and one walk memo, and adds about 11 KiB. Counting
# every thread's whole cache (4096 rules and 16 memos: 208 KiB) whether
# used or not made 17 idle threads look like 3.4 MB.
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/idle_threads.c) || exit 1

agent_bytes() { # agent_bytes THREADS -> the JSON's agent.memory_bytes
    "$CGOHEAP" run --json="$WORK/a.json" -- "$bin" "$1" </dev/null >/dev/null 2>"$WORK/report" ||
        fail "cgoheap run $bin $1 failed"
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["agent"]["memory_bytes"])' \
        "$WORK/a.json"
}

one=$(agent_bytes 1)
many=$(agent_bytes 17)
# the text says the same figure
text=$(grep -E '^==[0-9]+== cgoheap: agent memory: [0-9,]+ bytes' "$WORK/report" |
    sed -E 's/.*: ([0-9,]+) bytes.*/\1/' | tr -d ,)
expect_eq "$text" "$many" "the text's agent memory is the JSON's"
per=$(((many - one) / 16))
echo "agent memory: 1 thread $one, 17 threads $many: $per bytes per thread"
[ "$per" -gt 0 ] || fail "the threads' caches are not counted at all ($per bytes per thread)"
[ "$per" -le 32768 ] || fail "$per bytes per thread that allocates a little (its cache's parts in use are about 11 KiB)"
