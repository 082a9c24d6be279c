# shellcheck shell=bash
# A leak in a thread created by C ends at start_thread, then goes on with
# the stack that created the thread ("Thread created at", like ASan's
# "Thread T1 created by T0 here"): in C, the pthread_create call's frames;
# from Go, through cgo, the Go line that called into C. --json carries it
# as a "[thread created by]" frame. Checked 20 times.
# go: both
. "$ROOT/tests/lib.sh"
need_cgoheap
need_go

# after_created FILE -> the frame lines that follow "Thread created at"
after_created() { sed -n '/Thread created at$/,/^==[0-9]*== *$/p' "$1"; }

csrc=$ROOT/tests/progs/kinds/thread.c
cbin=$(c_build tests/progs/kinds/thread.c) || exit 1
l_create=$(grep -n 'pthread_create(&t' "$csrc" | cut -d: -f1)
gsrc=$ROOT/tests/progs/go/cthread/main.go
gbin=$(go_build tests/progs/go/cthread cthread) || exit 1
l_spawn=$(line_of SPAWN-go "$gsrc") || exit 1
l_leak=$(line_of LEAK-thread "$gsrc") || exit 1
for i in $(seq 20); do
    ch_run --json="$WORK/r.json" -- "$cbin"
    expect_record '700 bytes in 1 blocks are definitely lost' "$(frame_re leaker thread.c 10)" \
        'Thread created at$'
    after_created "$WORK/record" >"$WORK/created"
    expect_grep "^==[0-9]+==    at 0x[0-9A-F]+: main \\(thread.c:$l_create\\)" "$WORK/created" \
        "C: the creating call is the first frame after 'Thread created at' (run $i)"
    ch_run -- "$gbin"
    expect_record '333 bytes in 1 blocks are definitely lost' "worker \\(main.go:$l_leak\\)" \
        'Thread created at$'
    after_created "$WORK/record" >"$WORK/created"
    expect_grep 'spawn \(main.go:[0-9]+\)' "$WORK/created" "Go: the C function that created the thread (run $i)"
    expect_grep "$(frame_re main.main main.go "$l_spawn")" "$WORK/created" \
        "Go: the Go line that called into C (run $i)"
done
python3 - "$WORK/r.json" <<'PY' || fail "--json: the creator's frames after a [thread created by] frame"
import json, sys
r = [x for x in json.load(open(sys.argv[1]))["records"] if x["bytes"] == 700][0]
names = [f["function"] for f in r["frames"]]
i = names.index("[thread created by]")
assert names[0] == "leaker" and names[i + 1] == "main", names
PY
