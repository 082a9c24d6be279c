# shellcheck shell=bash
# The launcher maps libmicrohttpd (and gnutls, which it pulls in) only when
# --http asks for a server: loading them cost every run 9-10 ms of CPU and
# 220 page faults (bench/RESULTS.md); elfutils is linked in (unless built
# with DW_SHARED=1): its five shared libraries cost 3-3.5 ms more. libm,
# for its one function (exp, in a sampled profile's estimates), cost 0.4-0.7 ms
# and 11 page faults: it is loaded when an estimate is made. The program
# reads its parent's maps, the launcher's, while the launcher waits.
. "$ROOT/tests/lib.sh"
need_cgoheap
maps='cat /proc/$PPID/maps'
# A sanitizer build's runtimes (libasan, libubsan) link libm themselves.
libm_linked=$(ldd "$CGOHEAP" | grep -q '/libm\.so' && echo 1)

for opts in --sample-rate=524288 --trace-threads=all --no-scan; do
    ch_run "$opts" -- sh -c "$maps"
    [ "$RC" = 0 ] || fail "cgoheap run $opts exited $RC"
    expect_grep '/libc\.so' "$WORK/stdout" "the launcher's maps read by the program ($opts)"
    expect_no_grep 'libmicrohttpd' "$WORK/stdout" "libmicrohttpd in the launcher without --http ($opts)"
    expect_no_grep 'libgnutls' "$WORK/stdout" "gnutls in the launcher without --http ($opts)"
    if [ -n "$libm_linked" ]; then
        skip_sub "libm not loaded ($opts)" "this build links libm through another library"
    else
        expect_no_grep '/libm\.so' "$WORK/stdout" "libm in the launcher ($opts)"
    fi
    if ldd "$CGOHEAP" | grep -q 'libdw\.so'; then
        skip_sub "elfutils linked in ($opts)" "this build links libdw shared (DW_SHARED=1)"
    else
        expect_no_grep '/lib(dw|elf|bz2|lzma)[-.]' "$WORK/stdout" "elfutils' libraries in the launcher ($opts)"
    fi
done

# With --http it is loaded before the program runs (the http_ cases test the serving).
ch_run --http=127.0.0.1:0 --sample-rate=524288 -- sh -c "$maps"
[ "$RC" = 0 ] || fail "cgoheap run --http exited $RC"
expect_grep 'libmicrohttpd' "$WORK/stdout" "libmicrohttpd in the launcher with --http"

# A sampled run's estimates load libm, from the launcher, when they are made.
bin=$(c_build tests/progs/c/allocs.c) || exit 1
LD_DEBUG=files ch_run --sample-rate=64 -- "$bin"
[ "$RC" = 0 ] || fail "cgoheap run --sample-rate=64 exited $RC"
expect_grep 'total heap usage: .*\(estimates from samples\)' "$WORK/report" "estimates"
if [ -n "$libm_linked" ]; then
    skip_sub "libm loaded for the estimates" "this build links libm through another library"
else
    expect_grep 'file=libm\.so.*dynamically loaded by .*cgoheap' "$WORK/report" \
        "libm loaded for the estimates"
fi
