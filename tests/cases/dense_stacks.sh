# shellcheck shell=bash
# 8192 distinct stacks (past the first size of the agent's stack index, so
# it grows): each leak is its own loss record, and the record's shared pages
# in the target stay under 1 KiB per stack (ids are dense; a sparse table of
# hashed slots faulted 2 random pages per stack, 52 MiB here).
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/stacks.c) || exit 1

ch_run -- "$bin" 13
expect_eq "$RC" 0 "exit status"
expect_eq "$(summary definite "$WORK/report")" "$((8192 * 24)) 8192" "definitely lost"
expect_eq "$(grep -cE '^==[0-9]+== 24 bytes in 1 blocks are definitely lost in loss record [0-9]+ of [0-9]+$' "$WORK/report")" \
    8192 "one loss record per stack"
shmem=$(sed -n 's/.*rss_shmem_kb=\([0-9]*\).*/\1/p' "$WORK/stdout")
[ -n "$shmem" ] || fail "no rss_shmem_kb in the program's output"
[ "$shmem" -le 8192 ] || fail "the record holds $shmem KiB of shared pages for 8192 stacks (over 1 KiB each)"
echo "shared pages of the record: $shmem KiB for 8192 stacks"
