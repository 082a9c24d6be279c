# shellcheck shell=bash
# Which threads the launcher traces: every thread by default, the main one
# alone in a sampled run (its default) or with --trace-threads=main, and
# every thread again when a sampled run asks for --trace-threads=all.
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/tracer.c) || exit 1

"$bin" >"$WORK/native" || fail "the program failed natively"
expect_eq "$(cat "$WORK/native")" "main=0 thread=0" "natively"
ch_run -- "$bin"
expect_eq "$(cat "$WORK/stdout")" "main=1 thread=1" "full tracking"
ch_run --trace-threads=main -- "$bin"
expect_eq "$(cat "$WORK/stdout")" "main=1 thread=0" "--trace-threads=main"
ch_run --sample-rate=65536 -- "$bin"
expect_eq "$(cat "$WORK/stdout")" "main=1 thread=0" "sampled"
ch_run --sample-rate=65536 --trace-threads=all -- "$bin"
expect_eq "$(cat "$WORK/stdout")" "main=1 thread=1" "sampled with --trace-threads=all"

# Options reach the program's environment only where the agent reads them:
# --trace-threads is the launcher's alone, --unwind is the agent's.
ch_run --trace-threads=main -- env
expect_no_grep '^CGOHEAP_TRACE_THREADS=' "$WORK/stdout" "--trace-threads in the program's environment"
expect_no_grep '^CGOHEAP_UNWIND=' "$WORK/stdout" "CGOHEAP_UNWIND without --unwind"
ch_run --unwind=exact -- env
expect_grep '^CGOHEAP_UNWIND=exact$' "$WORK/stdout" "--unwind=exact reaches the agent"
