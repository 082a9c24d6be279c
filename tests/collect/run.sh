#!/bin/bash
# Tests of src/collect: the launcher (PATH lookup, exit statuses, signals,
# ptrace exit stop, the scan of a real process) and the record reader.
# A stand-in agent (fake_agent.c) reports blocks so the launcher is tested
# on its own; the real agent (build/lib/libcgoheap.so) runs the end-to-end
# cases. One line per case; non-zero exit on failure.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cgoheap-collect.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
. "$ROOT/tests/lib_stage.sh"
need_bins collect collect_test record_test goroots_test roots_test procmem_test target fake_agent.so
T=$TB/collect

fails=0
pass() { echo "PASS collect/$1${2:+: $2}"; }
fail() {
    echo "FAIL collect/$1: $2"
    fails=$((fails + 1))
}
# check NAME OUTPUT PATTERN...: every extended regex must match the output.
check() {
    name=$1 out=$2
    shift 2
    for pat in "$@"; do
        if ! grep -Eq -- "$pat" <<<"$out"; then
            fail "$name" "no '$pat' in: $out"
            return
        fi
    done
    pass "$name" "$(head -c 160 <<<"$out")"
}
DRV="timeout 60 $T/collect_test $T/fake_agent.so"
KINDS='definite=2 indirect=2 possible=1 reachable=1 unfreed=0'

out=$($DRV no-such-program-xyz 2>&1)
rc=$?
check missing_program "$out rc=$rc" '^error: no-such-program-xyz: No such file or directory rc=1$'
out=$($DRV "$TMP" 2>&1)
check directory_program "$out" '^error: .*: Is a directory$'
out=$($DRV true)
check path_lookup "$out" 'status=0 ' 'pid_ok=1'

out=$($DRV "$T/target" exit 3)
check exit_code_and_kinds "$out" 'status=3 scanned=1 blocks=6 ' "$KINDS" 'stacks=2 '
out=$($DRV "$T/target" signal 15)
check killed_by_sigterm "$out" 'status=143 scanned=1 ' "$KINDS"
out=$($DRV "$T/target" signal 9)
check killed_by_sigkill "$out" 'status=137 scanned=1 ' "$KINDS"
out=$($DRV "$T/target" segv)
check sigsegv_crash "$out" 'status=139 scanned=1 ' "$KINDS"
out=$($DRV --no-scan "$T/target" exit 0)
check no_scan "$out" 'status=0 scanned=0 blocks=6 .*unfreed=6' 'notice=memory not scanned'
out=$($DRV "$T/target" pthread_exit 4)
# Every thread is traced: the thread that calls exit after main's
# pthread_exit stops at its exit too, and the memory is read through it.
check pthread_exit_in_main "$out" 'status=4 scanned=1 blocks=6 ' "$KINDS"
# Main thread alone traced: its plain exit is let go, nothing is scanned.
out=$($DRV --trace-main "$T/target" pthread_exit 4)
check pthread_exit_main_only "$out" 'status=4 scanned=0 blocks=6 .*unfreed=6' 'notice=memory not'
# A thread ends the process while main waits: the block it lost has only
# dead copies below that thread's stack pointer, so it is definitely lost
# (one more than KINDS). Traced alone, main's view keeps it reachable.
out=$($DRV "$T/target" thread_exit 6)
check thread_exit_cut_at_sp "$out" 'status=6 scanned=1 blocks=7 ' 'definite=3 indirect=2 possible=1 reachable=1 '
out=$($DRV --trace-main "$T/target" thread_exit 6)
check thread_exit_main_only "$out" 'status=6 scanned=1 blocks=7 ' 'definite=2 indirect=2 possible=1 reachable=2 '
out=$($DRV --trace-main "$T/target" exit 3)
check exit_main_only "$out" 'status=3 scanned=1 blocks=6 ' "$KINDS"

# SIGSTOP: the target stays stopped (group-stop) until someone continues it.
"$T/collect_test" "$T/fake_agent.so" "$T/target" stop 7 >"$TMP/stop.out" &
drv=$!
# Poll (up to 20 s) until the target has stopped, rather than sleep.
child="" state=""
for _ in $(seq 1000); do
    child=${child:-$(ps -o pid= --ppid $drv | tr -d ' ')}
    state=$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)
    case $state in [Tt]) break ;; esac
    sleep 0.02
done
kill -CONT "$child" 2>/dev/null
wait $drv
check sigstop_then_cont "state=$state $(cat "$TMP/stop.out")" '^state=[Tt] ' 'status=7 scanned=1 '

# SIGTERM sent to the launcher reaches the target; its report still comes.
"$T/collect_test" "$T/fake_agent.so" "$T/target" sleep >"$TMP/term.out" &
drv=$!
# Poll (up to 20 s) until the target sleeps in its own image, rather than sleep.
for _ in $(seq 1000); do
    child=$(ps -o pid= --ppid $drv | tr -d ' ')
    [ -n "$child" ] && [ "$(cat "/proc/$child/comm" 2>/dev/null)" = target ] &&
        [ "$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)" = S ] && break
    sleep 0.02
done
kill -TERM $drv
wait $drv
check forward_sigterm "$(cat "$TMP/term.out")" 'status=143 scanned=1 ' "$KINDS"

# The user's LD_PRELOAD keeps its place; the agent comes after it.
libm=$(ls /lib/x86_64-linux-gnu/libm.so.6 2>/dev/null)
out=$(LD_PRELOAD=$libm ASAN_OPTIONS=verify_asan_link_order=0 $DRV sh -c 'echo "preload=$LD_PRELOAD"' | head -1)
check ld_preload_appended "$out" "^preload=$libm:.*fake_agent.so$"

# End to end with the real agent: the same blocks, now recorded by
# interposed calloc (the target's own dlsym adds reachable ones).
AGENT=$CGOHEAP_BUILD/lib/libcgoheap.so
out=$(timeout 60 "$T/collect_test" "$AGENT" "$T/target" exit 5)
check real_agent_exit "$out" 'status=5 scanned=1 ' 'definite=2 indirect=2 possible=1 reachable=[1-9]'
out=$(timeout 60 "$T/collect_test" "$AGENT" "$T/target" signal 9)
check real_agent_sigkill "$out" 'status=137 scanned=1 ' 'definite=2 indirect=2 possible=1'

for c in valid corrupt fuzz fresh; do
    if out=$(timeout 60 "$T/record_test" $c 2>&1); then
        pass "record_$c" "$(tail -n 1 <<<"$out")"
    else
        fail "record_$c" "$(grep -m1 FAIL <<<"$out" || tail -n 3 <<<"$out")"
    fi
done

# Stacks cut at the stopped threads' stack pointers, on a synthetic smaps.
if out=$(timeout 60 "$T/roots_test" "$TMP" 2>&1); then
    pass roots_thread_stacks "$(tail -n 1 <<<"$out")"
else
    fail roots_thread_stacks "$(grep -m1 FAIL <<<"$out" || tail -n 3 <<<"$out")"
fi

# Batched reads of the target's memory: holes found, the rest in few calls.
if out=$(timeout 60 "$T/procmem_test" 2>&1); then
    pass procmem_read_many "$(tail -n 1 <<<"$out")"
else
    fail procmem_read_many "$(grep -m1 FAIL <<<"$out" || tail -n 3 <<<"$out")"
fi

# Go runtime roots: synthetic targets, then layouts of real executables.
# A non-Go file, a truncated Go binary and a stripped one (-s -w) have no
# layout; binaries of every installed Go toolchain must have one.
for c in ranges runtime arenas thread_sps hostile; do
    if out=$(timeout 60 "$T/goroots_test" $c 2>&1); then
        pass "goroots_$c" "$(tail -n 1 <<<"$out")"
    else
        fail "goroots_$c" "$(grep -m1 FAIL <<<"$out" || tail -n 3 <<<"$out")"
    fi
done
layout() { # NAME FILE MUST
    if out=$(timeout 60 "$T/goroots_test" layout "$2" "$3" 2>&1); then
        pass "$1" "$(tail -n 1 <<<"$out")"
    else
        fail "$1" "$(tail -n 3 <<<"$out")"
    fi
}
layout goroots_layout_c "$T/target" 0
# Go compresses .debug_info; the runtime's types are in its first units,
# read without inflating the rest. So damage near the end of the stream
# still leaves a layout; damage at its start, or an absurd uncompressed
# size in its header, leaves none. Never a crash or a sanitizer report.
patch_bytes() { # FILE OFFSET COUNT BYTE
    head -c "$3" /dev/zero | tr '\0' "\\$4" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
damaged_debug_info() { # BIN GOVERSION
    local off size
    read -r off size < <(readelf -SW "$1" | awk '$2 == ".debug_info" { print $5, $6 }')
    [ -n "${off:-}" ] || { fail "goroots_layout_damaged_$2" "no .debug_info in $1"; return; }
    off=$((0x$off)) size=$((0x$size))
    cp "$1" "$1-tail"
    patch_bytes "$1-tail" $((off + size - 4096)) 2048 377
    layout "goroots_layout_damaged_tail_$2" "$1-tail" 1
    cp "$1" "$1-head"
    patch_bytes "$1-head" $((off + 24 + 32)) 256 377
    layout "goroots_layout_damaged_head_$2" "$1-head" 0
    cp "$1" "$1-size"
    patch_bytes "$1-size" $((off + 8)) 8 377
    layout "goroots_layout_absurd_size_$2" "$1-size" 0
}
for go in "${GO119:-/usr/lib/go-1.19/bin/go}" "${GO123:-/usr/lib/go-1.23/bin/go}"; do
    [ -x "$go" ] || { echo "SKIP collect/goroots_layout: no $go"; continue; }
    v=$("$go" env GOVERSION)
    bin=$TMP/godrop-$v
    export GO111MODULE=off GOFLAGS=-buildvcs=false GOCACHE=$TMP/gocache-$v
    if ! (cd "$ROOT/tests/progs/go/godrop" && "$go" build -o "$bin" . &&
        "$go" build -ldflags='-s -w' -o "$bin-stripped" .) >"$TMP/gobuild.log" 2>&1; then
        fail "goroots_layout_$v" "cannot build: $(tail -n 1 "$TMP/gobuild.log")"
        continue
    fi
    layout "goroots_layout_$v" "$bin" 1
    layout "goroots_layout_stripped_$v" "$bin-stripped" 0
    head -c $(($(stat -c %s "$bin") / 3)) "$bin" >"$bin-truncated"
    layout "goroots_layout_truncated_$v" "$bin-truncated" 0
    damaged_debug_info "$bin" "$v"
done

[ $fails -eq 0 ]
