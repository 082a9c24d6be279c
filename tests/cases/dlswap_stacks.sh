# shellcheck shell=bash
# Two libraries with the same function at the same offsets but other frames
# (tests/agent/dlswap_lib.S), dlclosed and dlopened at the same address by
# threads that allocate through them: every block's stack must name the
# library loaded when it was allocated (its call line) and go on through the
# program's call_lib and walker. A rule of the other library (a stale rule
# cache) reads a decoy return address or skips a frame; "no CFI" cached for
# a library whose rescan another thread had not published walks by frame
# pointer and loses call_lib (seen: 2-8 such stacks in every run). In race
# mode a thread may dlopen one library where the other was while the
# dlclose that unmapped it has not returned: walks then must use no cached
# rule and no snapshot (seen: 5 runs in 100 with a frame stepped by the
# other library's rule, or a stack under the other library's id). RUNS
# (default 6) runs per mode, under `cgoheap run`.
# timeout: 600
. "$ROOT/tests/lib.sh"
need_cgoheap
src=$ROOT/tests/agent/dlswap_lib.S
for v in 1 2; do
    gcc -g -shared -fPIC -DVARIANT=$v -o "$WORK/dlswap_$v.so" "$src" || fail "cannot build variant $v"
done
bin=$(c_build tests/agent/dlswap.c -ldl) || exit 1
line1=$(line_of "/* variant 1's line */" "$src") || exit 1
line2=$(line_of "/* variant 2's line */" "$src") || exit 1
threads=8 rounds=400

# check_report REPORT: every loss record through call_lib is a block of 65
# (variant 1) or 66 bytes (variant 2) whose frames are swap_alloc at that
# variant's line, call_lib, walker; prints the blocks of those records.
check_report() {
    awk -v l1="(dlswap_lib.S:$line1)" -v l2="(dlswap_lib.S:$line2)" '
        function done_record() {
            if (!inrec) return
            if (frames ~ /call_lib|decoy_fn/) {
                size = blocks ? bytes / blocks : 0
                want = size == 65 ? l1 : size == 66 ? l2 : "?"
                if (f[1] != "swap_alloc " want || f[2] !~ /^call_lib / || f[3] !~ /^walker /) {
                    printf "bad record: %d bytes in %d blocks:%s\n", bytes, blocks, frames > "/dev/stderr"
                    bad++
                } else good += blocks
            }
            inrec = 0
        }
        / bytes in [0-9,]+ blocks are / {
            done_record()
            line = $0
            gsub(/,/, "", line)
            t = line # "N bytes in" or "N (D direct I indirect) bytes in": N or D
            sub(/^==[0-9]+== */, "", t)
            if (t ~ /direct/) sub(/^[0-9]+ \(/, "", t)
            sub(/ .*/, "", t)
            bytes = t + 0
            t = line
            sub(/.* bytes in /, "", t)
            sub(/ .*/, "", t)
            blocks = t + 0
            inrec = 1; n = 0; frames = ""; next
        }
        inrec && /(at|by) 0x[0-9A-F]+: / {
            fn = $4; loc = $5
            f[++n] = fn " " loc; frames = frames " " fn loc
            next
        }
        inrec && /Thread created at|^==[0-9]+== *$/ { if (n) done_record() }
        END { done_record(); print good + 0, bad + 0 }' "$1"
}

for mode in swap race; do
    all_reuses=0
    for i in $(seq "${RUNS:-6}"); do
        "$CGOHEAP" run -- "$bin" "$WORK/dlswap_1.so" "$WORK/dlswap_2.so" $threads $rounds $mode \
            </dev/null >"$WORK/out" 2>"$WORK/report" || fail "$mode run $i: cgoheap run failed"
        reuses=$(awk '$1 == "reuses" {print $2}' "$WORK/out")
        all_reuses=$((all_reuses + ${reuses:-0}))
        set -- $(check_report "$WORK/report" 2>"$WORK/bad")
        [ "$2" = 0 ] || { cat "$WORK/bad" >&2; fail "$mode run $i: $2 loss records with a wrong stack"; }
        want=$((threads * rounds / 4))
        [ "$1" = "$want" ] || fail "$mode run $i: $1 blocks through swap_alloc and call_lib, want $want"
        echo "$mode run $i: reuses $reuses, $1 blocks with right stacks"
    done
    # A loaded machine can keep one run of race mode from swapping at all (seen: reuses 0 in
    # one run of 8, the others 4-24); the stacks are checked in every run all the same.
    [ "$all_reuses" -gt 0 ] || fail "$mode: no library was loaded where the other had been in any run"
done
