# shellcheck shell=bash
# The launcher's child shares the launcher's memory until it execs the
# program (as posix_spawn's does): a forked child copied the launcher's page
# tables, then every page either side wrote before the exec, 36-44 page
# faults in the child alone (and as many copies in the launcher) on every
# run. exec_faults estimates the child's faults before the exec.
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/exec_faults.c) || exit 1

for opts in --sample-rate=524288 --trace-threads=all --no-scan; do
    ch_run "$opts" -- "$bin"
    [ "$RC" = 0 ] || fail "cgoheap run $opts exited $RC"
    cat "$WORK/stdout"
    before=$(sed -n 's/.* before=\(-*[0-9]*\)$/\1/p' "$WORK/stdout")
    [ -n "$before" ] || fail "no estimate printed ($opts)"
    [ "$before" -le 12 ] || fail "the child took $before page faults before its exec ($opts)"
done
