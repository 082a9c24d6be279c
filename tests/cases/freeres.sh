# shellcheck shell=bash
# The C and C++ runtimes' own blocks, which valgrind frees at exit
# (__libc_freeres, __gnu_cxx::__freeres) and so never reports, are
# suppressed by default: stdio buffers and libstdc++'s emergency exception
# pool, and glibc's caches (gettext, mbrtowc, NSS, resolver). A user's
# leaks through stdio (a FILE left open, a getline buffer)
# are still reported, with the figures valgrind gives (default options).
# go: both
# timeout: 600
. "$ROOT/tests/lib.sh"
need_valgrind
need_cgoheap

same_kinds_as_valgrind() { # BIN
    vg_run "$1"
    ch_run --show-leak-kinds=all -- "$1"
    local want got
    want=$(kinds "$WORK/valgrind") || exit 1
    got=$(kinds "$WORK/report") || exit 1
    echo "valgrind: $want"
    echo "cgoheap:  $got"
    [ "$got" = "$want" ] || {
        show "$WORK/report"
        fail "$(basename "$1"): kind totals differ from valgrind's"
    }
}

# C: stdout's and two streams' buffers are the runtime's; the open FILE
# (still reachable) and the getline buffer (definitely lost) are the user's.
# (getline's first buffer for a short line is 120 bytes in glibc.)
bin=$(c_build tests/progs/c/stdio_use.c) || exit 1
same_kinds_as_valgrind "$bin"
expect_eq "$(kinds "$WORK/report")" "definite=120/1 indirect=0/0 possible=0/0 reachable=472/1" \
    "stdio_use kinds (the program's expected figures)"
line=$(line_of LEAK-getline "$ROOT/tests/progs/c/stdio_use.c") || exit 1
expect_record 'definitely lost' "$(frame_re lose_line stdio_use.c "$line")"
expect_eq "$(summary suppressed "$WORK/report")" "8192 2" "stdio buffers suppressed"
# The summary says what they are: "suppressed" alone reads as rules someone wrote.
expect_grep '^==[0-9]+== +suppressed: 8,192 bytes in 2 blocks$' "$WORK/report" "the suppressed line"
expect_grep "^==[0-9]+== +of which 8,192 bytes in 2 blocks are glibc's and libstdc\+\+'s own caches, which they free at exit" \
    "$WORK/report" "what the suppressed blocks are"
expect_no_grep 'Go runtime state|your --suppressions' "$WORK/report" "no other kind of suppressed block"
# A user's pattern is told apart from the built-in ones.
printf 'leak:lose_line\n' >"$WORK/user.supp"
ch_run --suppressions="$WORK/user.supp" -- "$bin"
expect_grep '^==[0-9]+== +of which 120 bytes in 1 blocks matched your --suppressions$' "$WORK/report" \
    "a user's suppression"
# Without the built-in list they are there, still reachable.
ch_run --show-leak-kinds=all --no-default-suppressions -- "$bin"
expect_eq "$(summary reachable "$WORK/report")" "8664 3" "still reachable without default suppressions"

# glibc's caches that Debian's tools fill (gettext, mbrtowc, NSS, getpwuid's
# buffer, resolv.conf): valgrind's figures, and the user's two blocks only.
bin=$(c_build tests/progs/c/libc_caches.c) || exit 1
same_kinds_as_valgrind "$bin"
expect_eq "$(kinds "$WORK/report")" "definite=40/1 indirect=0/0 possible=0/0 reachable=24/1" \
    "libc_caches kinds (the program's expected figures)"
line=$(line_of LEAK-lost "$ROOT/tests/progs/c/libc_caches.c") || exit 1
expect_record 'definitely lost' "$(frame_re lose libc_caches.c "$line")"
line=$(line_of KEPT "$ROOT/tests/progs/c/libc_caches.c") || exit 1
expect_record 'still reachable' "$(frame_re main libc_caches.c "$line")"

# C++: nothing left but the runtimes' own blocks.
bin=$(c_build tests/progs/c/cxx_clean.cc) || exit 1
same_kinds_as_valgrind "$bin"
expect_eq "$(kinds "$WORK/report")" "definite=0/0 indirect=0/0 possible=0/0 reachable=0/0" \
    "a clean C++ program"
expect_eq "$(summary suppressed "$WORK/report" | cut -d' ' -f2)" 2 \
    "suppressed blocks of a clean C++ program (the pool and stdout's buffer)"
ch_run --show-leak-kinds=all --no-default-suppressions -- "$bin"
expect_record '^==[0-9]+== 72,704 bytes in 1 blocks are still reachable' 'libstdc\+\+'

# Go: C's stdout buffer is not "still reachable" either.
need_go
bin=$(go_build tests/progs/go/stdio stdio) || exit 1
ch_run --show-leak-kinds=all -- "$bin"
expect_eq "$(summary reachable "$WORK/report")" "0 0" "still reachable in a Go program using C stdio"
expect_grep '^==[0-9]+== +suppressed: [0-9,]+ bytes' "$WORK/report" "a suppressed line"
expect_grep '^==[0-9]+== +of which [0-9,]+ bytes in [0-9,]+ blocks are thread, loader and Go runtime state' \
    "$WORK/report" "the Go threads' TLS, said to be runtime state"
