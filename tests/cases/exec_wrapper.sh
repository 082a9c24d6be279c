# shellcheck shell=bash
# The target execs another program in the same process (env(1), a shell's
# exec, a wrapper script): the report covers the program that ran last,
# with its own stacks, and nothing of the wrapper's memory (which vanished
# with its address space).
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/c/two_leaks.c) || exit 1
script=$WORK/wrapper.sh
printf '#!/bin/sh\nexec "$@"\n' >"$script"
chmod +x "$script"

check() { # check LABEL: the report of the last ch_run
    expect_eq "$RC" 0 "exit status ($1)"
    expect_eq "$(summary definite "$WORK/report")" "333 2" "definitely lost ($1)"
    expect_eq "$(summary possible "$WORK/report")" "0 0" "possibly lost ($1)"
    expect_grep "^==[0-9]+== +at 0x[0-9A-F]+: leak_one \(two_leaks.c:" "$WORK/report"
    expect_grep "^==[0-9]+== +at 0x[0-9A-F]+: leak_two \(two_leaks.c:" "$WORK/report"
    # The header names the program that ran last, not the wrapper.
    expect_grep "^==[0-9]+== cgoheap: C heap check of .*/two_leaks\$" "$WORK/report" \
        "header names the exec'd program ($1)"
}

ch_run -- env "$bin"
check env
ch_run -- sh -c 'exec "$0"' "$bin"
check "sh -c exec"
ch_run -- "$script" "$bin"
check "wrapper script"
