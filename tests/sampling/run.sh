#!/usr/bin/env bash
# Sampling accuracy test.
#
# A deterministic C program keeps BLOCKS blocks of pseudo-random sizes
# (64..8192 bytes, fixed seed) live until exit and prints their true total.
# It runs under cgoheap twice:
#   rate 1       -> the report's in-use bytes and blocks equal the truth exactly;
#   rate 524288  -> the estimated in-use bytes are within TOLERANCE_PCT of it.
# A third program allocates and frees the same sizes and leaves by exit_group:
# its estimated total allocated (at rate 65536) must be within TOLERANCE_PCT too.
# Both the JSON summary and the pprof inuse_space samples are checked, since
# each output scales the sampled figures on its own.
#
# With ~826 MB live and one sample per 512 KiB on average there are ~1,600
# samples: the estimate's relative standard deviation is sqrt(rate / total),
# about 2.5%, so 10% is a four-sigma bound and a real sampling bias fails.
#
# Prints one line per case ("ok NAME" / "FAIL NAME: why"); exits 1 on any
# failure, 77 ("skip: ...") when build/bin/cgoheap does not exist.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CGOHEAP=${CGOHEAP:-$ROOT/build/bin/cgoheap}
BLOCKS=${SAMPLING_BLOCKS:-200000}
RATE=524288
TOLERANCE_PCT=10

case $CGOHEAP in /*) ;; *) CGOHEAP=$ROOT/$CGOHEAP ;; esac
if [ ! -x "$CGOHEAP" ]; then
    echo "skip: $CGOHEAP does not exist (run make first)"
    exit 77
fi
command -v python3 >/dev/null || {
    echo "skip: python3 is needed to read the json and pprof outputs"
    exit 77
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The program. The pointer array is static and the output goes through
# write(2), so the blocks below are the only heap memory live at exit: the
# printed total is the whole truth, not an approximation of it.
cat >"$TMP/keep_live.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BLOCKS 1000000
#define MIN_SIZE 64
#define MAX_SIZE 8192

static void *blocks[MAX_BLOCKS]; /* a root: every block is reachable at exit */

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    if (n <= 0 || n > MAX_BLOCKS) {
        static const char msg[] = "keep_live: block count must be 1..1000000\n";
        (void)!write(2, msg, sizeof msg - 1);
        return 2;
    }
    unsigned long long seed = 12345, total = 0;
    for (long i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t size = MIN_SIZE + (size_t)((seed >> 33) % (MAX_SIZE - MIN_SIZE + 1));
        blocks[i] = malloc(size);
        if (!blocks[i])
            return 1;
        memset(blocks[i], 0, 16);
        total += size;
    }
    char line[64];
    int len = snprintf(line, sizeof line, "%ld %llu\n", n, total);
    return write(1, line, (size_t)len) == len ? 0 : 1;
}
EOF

# The same sizes, each block freed at once, and the process ends the way a Go
# program does: exit_group, with no destructor to flush anything. The total
# allocated is then known only from the per-stack counters the agent keeps.
cat >"$TMP/churn_exit.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MIN_SIZE 64
#define MAX_SIZE 8192

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    unsigned long long seed = 12345, total = 0;
    for (long i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t size = MIN_SIZE + (size_t)((seed >> 33) % (MAX_SIZE - MIN_SIZE + 1));
        char *p = malloc(size);
        if (!p)
            return 1;
        memset(p, 0, 16);
        free(p);
        total += size;
    }
    char line[64];
    int len = snprintf(line, sizeof line, "%ld %llu\n", n, total);
    if (write(1, line, (size_t)len) != len)
        return 1;
    syscall(SYS_exit_group, 0);
    return 1;
}
EOF

# Reads a pprof file (gzipped profile.proto) and prints the sum of every
# sample's inuse_space value. A minimal protobuf reader: only the fields
# needed (Profile.sample_type = 1, sample = 2, string_table = 6;
# ValueType.type = 1; Sample.value = 2, packed or not).
cat >"$TMP/pprof_inuse.py" <<'EOF'
import gzip, sys

def varint(buf, i):
    shift = value = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]; i += 1
        value |= (b & 0x7f) << shift
        shift += 7
        if not b & 0x80:
            return value, i

def fields(buf):
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(buf, i)
        elif wire == 2:
            n, i = varint(buf, i)
            v = buf[i:i + n]; i += n
        elif wire == 1:
            v = buf[i:i + 8]; i += 8
        elif wire == 5:
            v = buf[i:i + 4]; i += 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield num, wire, v

def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v

def values(sample):
    out = []
    for num, wire, v in fields(sample):
        if num != 2:
            continue
        if wire == 0:
            out.append(signed(v))
        else:
            j = 0
            while j < len(v):
                x, j = varint(v, j)
                out.append(signed(x))
    return out

data = gzip.open(sys.argv[1]).read()
types, samples, strings = [], [], []
for num, wire, v in fields(data):
    if num == 1:
        types.append(dict((n, x) for n, w, x in fields(v) if w == 0))
    elif num == 2:
        samples.append(v)
    elif num == 6:
        strings.append(v.decode("utf-8", "replace"))
names = [strings[t.get(1, 0)] for t in types]
if "inuse_space" not in names:
    sys.exit("no inuse_space sample type (types: %s)" % names)
k = names.index("inuse_space")
print(sum(values(s)[k] for s in samples))
EOF

if ! gcc -O2 -o "$TMP/keep_live" "$TMP/keep_live.c" || ! gcc -O2 -o "$TMP/churn_exit" "$TMP/churn_exit.c"; then
    echo "FAIL build: the workload did not compile"
    exit 1
fi
read -r true_blocks true_bytes < <("$TMP/keep_live" "$BLOCKS")
if [ "${true_bytes:-0}" -le 0 ]; then
    echo "FAIL native: the workload did not print its total"
    exit 1
fi

FAILED=0
pass() { echo "ok $1"; }
fail() {
    echo "FAIL $1: $2"
    FAILED=1
}

# json_inuse FILE FIELD: summary.in_use.FIELD of a JSON report.
json_inuse() {
    python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["summary"]["in_use"][sys.argv[2]])' "$1" "$2" 2>/dev/null
}

# run_cgoheap RATE: runs the workload, leaves report.txt, report.json, report.pb.gz in $TMP/RATE.
run_cgoheap() {
    local dir=$TMP/$1 rc=0
    mkdir -p "$dir"
    "$CGOHEAP" run "--sample-rate=$1" "--json=$dir/report.json" "--pprof=$dir/report.pb.gz" \
        "--log-file=$dir/report.txt" -- "$TMP/keep_live" "$BLOCKS" >"$dir/stdout" 2>"$dir/stderr" ||
        rc=$?
    if [ "$rc" != 0 ]; then
        fail "rate-$1-run" "cgoheap exited $rc: $(tail -n 1 "$dir/stderr")"
        return 1
    fi
    # The program's own output must come through unchanged.
    if [ "$(cat "$dir/stdout")" != "$true_blocks $true_bytes" ]; then
        fail "rate-$1-run" "program output '$(head -c 80 "$dir/stdout")' differs from native"
        return 1
    fi
    pass "rate-$1-run"
}

# within_pct VALUE TRUTH PCT: succeeds when |VALUE - TRUTH| <= PCT% of TRUTH.
within_pct() {
    awk -v v="$1" -v t="$2" -v p="$3" 'BEGIN { d = v - t; if (d < 0) d = -d; exit !(d * 100 <= t * p) }'
}

describe() {
    awk -v v="$1" -v t="$2" 'BEGIN { printf "%s vs true %s (%+.2f%%)", v, t, (v - t) * 100 / t }'
}

# ---- rate 1: exact ----
if run_cgoheap 1; then
    got=$(json_inuse "$TMP/1/report.json" bytes)
    blocks=$(json_inuse "$TMP/1/report.json" blocks)
    if [ "$got" = "$true_bytes" ] && [ "$blocks" = "$true_blocks" ]; then
        pass "rate-1-json-exact"
    else
        fail "rate-1-json-exact" "in_use ${got:-?} bytes in ${blocks:-?} blocks, expected $true_bytes in $true_blocks"
    fi
    got=$(python3 "$TMP/pprof_inuse.py" "$TMP/1/report.pb.gz" 2>&1)
    if [ "$got" = "$true_bytes" ]; then
        pass "rate-1-pprof-exact"
    else
        fail "rate-1-pprof-exact" "inuse_space ${got:-?}, expected $true_bytes"
    fi
fi

# ---- rate 524288: estimate within tolerance ----
if run_cgoheap "$RATE"; then
    got=$(json_inuse "$TMP/$RATE/report.json" bytes)
    if [[ $got =~ ^[0-9]+$ ]] && within_pct "$got" "$true_bytes" "$TOLERANCE_PCT"; then
        pass "rate-$RATE-json-within-$TOLERANCE_PCT% ($(describe "$got" "$true_bytes"))"
    elif [[ $got =~ ^[0-9]+$ ]]; then
        fail "rate-$RATE-json-within-$TOLERANCE_PCT%" "estimate $(describe "$got" "$true_bytes")"
    else
        fail "rate-$RATE-json-within-$TOLERANCE_PCT%" "no summary.in_use.bytes in the json report"
    fi
    got=$(python3 "$TMP/pprof_inuse.py" "$TMP/$RATE/report.pb.gz" 2>&1)
    if [[ $got =~ ^[0-9]+$ ]] && within_pct "$got" "$true_bytes" "$TOLERANCE_PCT"; then
        pass "rate-$RATE-pprof-within-$TOLERANCE_PCT% ($(describe "$got" "$true_bytes"))"
    elif [[ $got =~ ^[0-9]+$ ]]; then
        fail "rate-$RATE-pprof-within-$TOLERANCE_PCT%" "estimate $(describe "$got" "$true_bytes")"
    else
        fail "rate-$RATE-pprof-within-$TOLERANCE_PCT%" "unreadable pprof: $got"
    fi
fi

# ---- exit_group: the estimated total allocated ----
# 30,000 blocks (~124 MB) at one sample per 64 KiB: ~1,900 samples, a 2.3%
# standard deviation. Counters still batched in the agent at the exit would
# be lost: with so few calls reaching the agent's slow path, that is a good
# part of them, and the estimate falls far short.
read -r churn_blocks churn_bytes < <("$TMP/churn_exit" 30000)
dir=$TMP/churn
mkdir -p "$dir"
"$CGOHEAP" run --sample-rate=65536 "--json=$dir/report.json" "--log-file=$dir/report.txt" \
    -- "$TMP/churn_exit" 30000 >"$dir/stdout" 2>"$dir/stderr"
got=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["summary"]["total"]["bytes"])' "$dir/report.json" 2>/dev/null)
if [ "$(cat "$dir/stdout")" != "$churn_blocks $churn_bytes" ]; then
    fail "exit-group-total-within-$TOLERANCE_PCT%" "program output '$(head -c 80 "$dir/stdout")' differs from native"
elif [[ $got =~ ^[0-9]+$ ]] && within_pct "$got" "$churn_bytes" "$TOLERANCE_PCT"; then
    pass "exit-group-total-within-$TOLERANCE_PCT% ($(describe "$got" "$churn_bytes"))"
else
    fail "exit-group-total-within-$TOLERANCE_PCT%" "total allocated ${got:-?} vs true $churn_bytes"
fi

exit "$FAILED"
