#!/bin/sh
# Tests of the report writers (src/report): runs the driver (tests/report/driver.c,
# linked with the CLI's objects) on hand-made profiles and checks the text, json,
# folded and pprof outputs. One line per case; exit 1 on failure.
#
# Environment: GO (default /usr/lib/go-1.23/bin/go; the
# pprof cases are skipped, loudly, when it is missing).
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. "$ROOT/tests/lib_stage.sh"
need_bins report driver
GO=${GO:-/usr/lib/go-1.23/bin/go}
WORK=$(mktemp -d -t cgoheap-report-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILED=0
D=$TB/report/driver

pass() { echo "PASS $1"; }
fail() {
    echo "FAIL $1${2:+: $2}"
    FAILED=1
}

# has FILE LINE: FILE contains LINE as a whole line.
has() { grep -Fxq -- "$2" "$1"; }
# check NAME FILE LINE...: every LINE is in FILE.
check() {
    name=$1 file=$2
    shift 2
    for line in "$@"; do
        if ! has "$file" "$line"; then
            fail "$name" "missing line: $line"
            return
        fi
    done
    pass "$name"
}
# check_not NAME FILE PATTERN...: no line of FILE contains a PATTERN (fixed string).
check_not() {
    name=$1 file=$2
    shift 2
    for pat in "$@"; do
        if grep -Fq -- "$pat" "$file"; then
            fail "$name" "unexpected: $pat"
            return
        fi
    done
    pass "$name"
}

# run NAME SCENARIO FORMAT OUT [opts]: the driver must succeed.
run() {
    name=$1
    shift
    if ! "$D" "$@" 2>"$WORK/err"; then
        fail "$name" "driver failed: $(head -c 300 "$WORK/err")"
        return 1
    fi
}

P="==4242=="
# ---- text ----
T="$WORK/main.txt"
run "text main" main text "$T"
check "text: header and record lines with thousands separators" "$T" \
    "$P cgoheap: C heap check of ./server" \
    "$P 134,217,728 bytes in 2 blocks are definitely lost in loss record 1 of 5" \
    "$P 100 bytes in 1 blocks are possibly lost in loss record 2 of 5" \
    "$P 17 bytes in 1 blocks are definitely lost in loss record 5 of 5"
check "text: frame formats (module+offset, inlined, no line info)" "$T" \
    "$P    at 0x7F1000001234: /opt/app/lib/libx.so+0x1234" \
    "$P    by 0x402000: g (util.h:3) [inlined]" \
    "$P    by 0x402000: f1 (c.c:20)" \
    "$P    by 0x7F0000029D90: start_thread (in /usr/lib/x86_64-linux-gnu/libc.so.6)"
check "text: cgo annotation and hints" "$T" \
    "$P    allocated by C.CString in main.leakName (main.go:12)" \
    "$P    at 0x471000: main.leakName (main.go:12)" \
    "$P    hint: memory from C.CString is not managed by Go's GC; free it with C.free(unsafe.Pointer(p))" \
    "$P    allocated by C.malloc in main.useMalloc (main.go:20)" \
    "$P    hint: memory from C.malloc is not managed by Go's GC; free it with C.free"
check "text: heap and leak summaries" "$T" \
    "$P HEAP SUMMARY:" \
    "$P     in use at exit: 134,218,449 bytes in 9 blocks" \
    "$P   total heap usage: 25 allocs, 16 frees, 201,332,505 bytes allocated" \
    "$P cgoheap: agent memory: 1,234,567 bytes" \
    "$P LEAK SUMMARY:" \
    "$P    definitely lost: 134,217,745 bytes in 3 blocks" \
    "$P    indirectly lost: 72 bytes in 3 blocks" \
    "$P      possibly lost: 100 bytes in 1 blocks" \
    "$P    still reachable: 32 bytes in 1 blocks" \
    "$P         suppressed: 500 bytes in 1 blocks"
check_not "text: kinds filter, suppressed and internal frames hidden" "$T" \
    "indirectly lost in loss record" "still reachable in loss record" "init_x" \
    "runtime.cgocall" "_Cfunc_CString" "cgo-gcc-prolog" "runtime.main" "unfreed" "???"
# The annotation comes right after its record's header, the hint after its frames.
if python3 - "$T" <<'EOF'; then pass "text: record layout"; else fail "text: record layout"; fi
import sys
lines = [l.rstrip("\n") for l in open(sys.argv[1])]
i = next(i for i, l in enumerate(lines) if "loss record 5 of 5" in l)
want = ["allocated by C.CString", "at 0x471000", "by 0x471200: main.main", "hint: memory", ""]
got = [lines[i + 1 + k][len("==4242==    "):] if lines[i + 1 + k] != "==4242==" else ""
       for k in range(len(want))]
sys.exit(0 if all(g.startswith(w) for g, w in zip(got, want)) else 1)
EOF

T="$WORK/all.txt"
run "text all kinds" main text "$T" all
check "text: --show-leak-kinds=all, all-internal stack shown" "$T" \
    "$P 72 bytes in 3 blocks are indirectly lost in loss record 3 of 5" \
    "$P 32 bytes in 1 blocks are still reachable in loss record 4 of 5" \
    "$P    at 0x43B000: runtime.malg (proc.go:4000)" \
    "$P    by 0x43C000: runtime.newproc1 (proc.go:4100)"
check_not "text: all kinds, no 'not shown' line" "$T" "kinds not shown"
if has "$WORK/main.txt" "$P 2 loss records of kinds not shown; to see them, rerun with: --show-leak-kinds=all"; then
    pass "text: default kinds mention the 2 hidden records"
else
    fail "text: default kinds mention the 2 hidden records"
fi

T="$WORK/internal.txt"
run "text internal" main text "$T" internal
check "text: --show-internal-frames" "$T" \
    "$P    at 0x401100: _cgo_2f1e_Cfunc__Cmalloc (cgo-gcc-prolog:40)" \
    "$P    by 0x470100: main._Cfunc_CString (_cgo_gotypes.go:45)" \
    "$P    by 0x43A000: runtime.main (proc.go:271)" \
    "$P    allocated by C.CString in main.leakName (main.go:12)"

T="$WORK/supp.txt"
run "text gensupp" main text "$T" gensupp
check "text: --gen-suppressions entries (first shown frame with a function)" "$T" \
    "# loss record 1 of 5: definitely lost" "leak:g" \
    "# loss record 5 of 5: definitely lost" "leak:main.leakName" "leak:main.useMalloc"

T="$WORK/freed.txt"
run "text freed" freed text "$T"
check "text: no-leak message" "$T" \
    "$P All heap blocks were freed -- no leaks are possible" \
    "$P     in use at exit: 0 bytes in 0 blocks" \
    "$P   total heap usage: 5 allocs, 5 frees, 5,000 bytes allocated"
check_not "text: no-leak has no leak summary" "$T" "LEAK SUMMARY" "loss record"

T="$WORK/unscanned.txt"
run "text unscanned" unscanned text "$T"
check "text: unscanned variant" "$T" \
    "$P 134,217,728 bytes in 2 blocks are unfreed at exit in loss record 1 of 5" \
    "$P 72 bytes in 3 blocks are unfreed at exit in loss record 3 of 5" \
    "$P    unfreed at exit: 134,217,949 bytes in 8 blocks" \
    "$P         suppressed: 500 bytes in 1 blocks" \
    "$P note: memory was not scanned: the program was killed before its exit stop"
check_not "text: unscanned has no kind lines" "$T" "definitely lost" "possibly lost"

T="$WORK/noagent.txt"
run "text noagent" noagent text "$T"
check "text: agent failure note" "$T" \
    "$P note: the agent did not attach to the program: LD_PRELOAD was ignored; nothing was recorded"
check_not "text: agent failure claims no 'no leaks'" "$T" "All heap blocks were freed"

T="$WORK/sampled.txt"
run "text sampled" sampled text "$T"
# Expected figures from Go's scaleHeapSample, computed here independently.
EXP=$(python3 -c '
import math
def scale(c, b, r=524288):
    s = 1 / (1 - math.exp(-(b / c) / r))
    return int(c * s), int(b * s)
c, b = scale(1, 17)
print(f"{b:,} bytes in {c:,} blocks")')
check "text: sampling note and scaled figures" "$T" \
    "$P note: sampled every 524,288 bytes on average; figures are estimates" \
    "$P $EXP are definitely lost in loss record 5 of 5" \
    "$P 134,217,728 bytes in 2 blocks are definitely lost in loss record 1 of 5"

T="$WORK/hostile.txt"
run "text hostile" hostile text "$T" all
if grep -vq '^==4242==' "$T"; then
    fail "text: hostile names cannot break lines" "$(grep -v '^==4242==' "$T" | head -1)"
else
    pass "text: hostile names cannot break lines"
fi
check "text: raw-PC fallback, unknown stack, dropped and signal notes" "$T" \
    "$P    by 0x402000: /opt/app/bin/server+0x402000" \
    "$P    at (no stack recorded)" \
    "$P note: 7 allocations were not recorded; figures are lower bounds" \
    "$P note: the program was killed by signal 9 (Killed)"

# ---- json ----
J="$WORK/main.json"
run "json main" main json "$J"
if python3 -m json.tool "$J" >/dev/null; then pass "json: parses (python3 -m json.tool)"; else fail "json: parses"; fi
if python3 - "$J" <<'EOF'; then pass "json: schema, totals, records, frames"; else fail "json: schema, totals, records, frames"; fi
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
recs = d["records"]
ok = [
    d["schema"] == "cgoheap-report" and d["version"] == 1 and d["pid"] == 4242,
    d["program"] == "./server" and d["exit"] == {"signaled": False, "code": 0},
    s["definitely_lost"] == {"bytes": 134217745, "blocks": 3},
    s["indirectly_lost"] == {"bytes": 72, "blocks": 3},
    s["possibly_lost"] == {"bytes": 100, "blocks": 1},
    s["still_reachable"] == {"bytes": 32, "blocks": 1},
    s["suppressed"] == {"bytes": 500, "blocks": 1},
    s["total"] == {"allocs": 25, "frees": 16, "bytes": 201332505},
    len(recs) == 6,
    s["in_use"]["bytes"] == sum(r["bytes"] for r in recs),
    [r["loss_record"] for r in recs] == [1, None, 2, 3, 4, 5],
    [r["kind"] for r in recs] == ["definite", "definite", "possible", "indirect", "reachable", "definite"],
    recs[1]["suppressed"] and recs[1]["suppressed_by"] == "leak:init_x",
    [r["cgo_origin"] for r in recs] == [None, None, "C.malloc", None, None, "C.CString"],
    len(recs[5]["frames"]) == 8 and sum(f["internal"] for f in recs[5]["frames"]) == 6,
    recs[0]["frames"][1]["inlined"] and recs[0]["frames"][1]["file"] == "/src/app/util.h",
    recs[0]["frames"][0]["function"] is None and recs[0]["frames"][0]["offset"] == "0x1234",
]
sys.exit(0 if all(ok) else print([i for i, v in enumerate(ok) if not v]) or 1)
EOF
J="$WORK/hostile.json"
run "json hostile" hostile json "$J"
if python3 - "$J" <<'EOF'; then pass "json: escaping of control bytes, quotes, bad UTF-8"; else fail "json: escaping"; fi
import json, sys
raw = open(sys.argv[1], "rb").read()
raw.decode("utf-8")  # the file itself must be valid UTF-8
d = json.loads(raw)
fn = d["records"][1]["frames"][0]["function"]
ok = fn == 'weird;name\n\x01"q"\\ \u00ff\u00e9' and d["program"] == "./ser\nver"
ok = ok and d["records"][2]["frames"] == [] and d["exit"] == {"signaled": True, "code": 9}
sys.exit(0 if ok else 1)
EOF

# ---- folded ----
F="$WORK/main.folded"
run "folded main" main folded "$F"
if [ "$(cat "$F")" = "start_thread;f1;g;libx.so+0x1234 134217728
main.main;main.useMalloc 100
build_tree;make_node 72
runtime.newproc1;runtime.malg 32
main.main;main.leakName 17" ]; then pass "folded: lines root first, internal hidden, no suppressed"; else
    fail "folded: lines" "$(head -3 "$F")"; fi
F="$WORK/hostile.folded"
run "folded hostile" hostile folded "$F"
if [ "$(wc -l <"$F")" -eq 3 ] && LC_ALL=C grep -q '^caller;weird:name[^;]* 10$' "$F"; then
    pass "folded: separators in names replaced"
else
    fail "folded: separators in names replaced"
fi

# ---- many records, frames made on demand ----
# Megabytes of output: every writer's buffer is written out many times.
# Each report is recomputed here from the driver's rule for the "many" stacks.
M="$WORK/many"
run "many text" many text "$M.txt" && run "many json" many json "$M.json" &&
    run "many folded" many folded "$M.folded"
if python3 - "$M" <<'EOF'; then pass "many: text, json and folded whole, in order"; else fail "many: text, json and folded"; fi
import json, sys
base, n, levels = sys.argv[1], 4096, 21
def frames(k):
    f = [("alloc_block", 0x4FF000, "pick.c", 10, True), ("grab", 0x4FF000, "pick.c", 20, False)]
    for l in range(levels):
        bit = (k >> l) & 1
        f.append(("pick_b" if bit else "pick_a", 0x500000 + l * 0x100 + bit * 0x10, "pick.c",
                  100 + 2 * l + bit, False))
    return f + [("main", 0x400500, "main.c", 5, False)]
def size(k):
    return 8 * (n + 1 - k)
P = "==4242=="
want = []
for k in range(1, n + 1):
    want.append(f"{P} {size(k):,} bytes in 1 blocks are definitely lost in loss record {k} of {n}")
    for i, (fn, pc, file, line, inl) in enumerate(frames(k)):
        want.append(f"{P}    {'at' if i == 0 else 'by'} 0x{pc:X}: {fn} ({file}:{line})"
                    + (" [inlined]" if inl else ""))
    want.append(P)
lines = open(base + ".txt").read().split("\n")
first = lines.index(want[0])
assert lines[first:first + len(want)] == want
assert lines[first + len(want)] == f"{P} LEAK SUMMARY:"
recs = json.load(open(base + ".json"))["records"]
assert [r["loss_record"] for r in recs] == list(range(1, n + 1))
for k, r in enumerate(recs, 1):
    got = [(f["function"], int(f["address"], 16), f["file"].split("/")[-1], f["line"], f["inlined"])
           for f in r["frames"]]
    assert r["bytes"] == size(k) and got == frames(k), k
folded = open(base + ".folded").read().split("\n")
assert folded[-1] == "" and len(folded) == n + 1
for k in range(1, n + 1):
    names = [f[0] for f in reversed(frames(k))]
    assert folded[k - 1] == ";".join(names) + f" {size(k)}", k
EOF

# ---- pprof ----
if [ ! -x "$GO" ]; then
    echo "SKIP pprof cases: no Go toolchain at $GO (set GO=)"
    exit $FAILED
fi
export GOCACHE="$WORK/gocache" GOFLAGS=-buildvcs=false GO111MODULE=off GOPATH="$WORK/gopath"
# pprof's complaints about missing binaries of the fixture are expected noise.
raw() { "$GO" tool pprof -raw "$@" 2>/dev/null; }

# check_raw NAME RATE FILE: samples per leaf function, values scaled for RATE.
check_raw() {
    if python3 - "$2" "$3" <<'EOF'; then pass "$1"; else fail "$1"; fi
import math, re, sys
rate, text = int(sys.argv[1]), open(sys.argv[2]).read()
def scale(c, b):
    if rate <= 1 or c == 0 or b == 0:
        return c, b
    s = 1 / (1 - math.exp(-(b / c) / rate))
    return int(c * s), int(b * s)
assert f"Period: {rate}" in text
assert "alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes" in text
samples_part, locs_part = text.split("\nLocations\n")
locs_part = locs_part.split("\nMappings\n")[0]
funcs, cur = {}, None
for line in locs_part.splitlines():
    m = re.match(r"\s*(\d+): 0x[0-9a-f]+ M=\d+ ?(\S*)", line)
    if m:
        cur = int(m.group(1))
        funcs[cur] = [m.group(2)] if m.group(2) else []
    elif line.strip():
        funcs[cur].append(line.split()[0])
# A stack has one sample per leak kind (label "kind", "freed" for what was
# freed); summed they are the stack's figures. Each is scaled on its own, so
# a sampled sum may be off by one per extra sample (integer truncation).
got, kinds = {}, set()
for m in re.finditer(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+): ([\d ]+)\n((?:\s+\w+:\[.*\]\n)*)",
                     samples_part, re.M):
    ids = [int(x) for x in m.group(5).split()]
    names = [f for i in ids for f in funcs[i]]
    kind = re.search(r"kind:\[(\w+)\]", m.group(6))
    assert kind, ("sample without a kind label", names)
    kinds.add(kind.group(1))
    vals, _, n = got.get(names[0] if names else "?", ((0, 0, 0, 0), names, 0))
    vals = tuple(a + int(m.group(k + 1)) for k, a in enumerate(vals))
    got[names[0] if names else "?"] = (vals, names, n + 1)
assert {"definite", "indirect", "possible", "reachable", "suppressed", "freed"} <= kinds, kinds
def want(leaf, alloc, inuse, stack=None):
    vals, names, n = got[leaf]
    exp = scale(*alloc) + scale(*inuse)
    slack = n - 1 if rate > 1 else 0
    assert all(abs(a - b) <= slack for a, b in zip(vals, exp)), (leaf, vals, exp)
    assert stack is None or names == stack, names
want("_cgo_2f1e_Cfunc__Cmalloc", (9, 153), (1, 17))
want("g", (3, 201326592), (2, 134217728), ["g", "f1", "start_thread"])
want("temp_buf", (5, 5000), (0, 0))
want("make_node", (4, 96), (3, 72))
want("__libc_alloc_buffer_allocate", (1, 500), (1, 500))
EOF
}

run "pprof main" main pprof "$WORK/main.pb.gz"
raw "$WORK/main.pb.gz" >"$WORK/main.raw"
check_raw "pprof: go tool pprof -raw values, inlined lines, stacks" 1 "$WORK/main.raw"
# profile.proto's string table (field 6): each string once, "" first.
if python3 - "$WORK/main.pb.gz" <<'EOF'; then pass "pprof: each string once in the string table"; else
import gzip, sys
d, i, strs = gzip.open(sys.argv[1]).read(), 0, []
def varint():
    global i
    v = s = 0
    while True:
        b = d[i]; i += 1; v |= (b & 0x7f) << s; s += 7
        if b < 0x80: return v
while i < len(d):
    t = varint()
    if t & 7 == 0: varint()
    elif t & 7 == 2:
        n = varint()
        if t >> 3 == 6: strs.append(d[i:i + n])
        i += n
    else: i += 8 if t & 7 == 1 else 4
dups = sorted({s for s in strs if strs.count(s) > 1})
if strs[:1] != [b""] or dups:
    sys.exit("%d strings, repeated: %s" % (len(strs), dups[:5]))
EOF
    fail "pprof: each string once in the string table"; fi
"$GO" tool pprof -top -nodefraction=0 -sample_index=alloc_space "$WORK/main.pb.gz" >"$WORK/top.txt" 2>/dev/null
if grep -q ' main\.leakName$' "$WORK/top.txt" && grep -q ' f1$' "$WORK/top.txt" &&
    grep -q 'Type: alloc_space' "$WORK/top.txt"; then
    pass "pprof: go tool pprof -top shows function names"
else
    fail "pprof: go tool pprof -top shows function names"
fi
run "pprof sampled" sampled pprof "$WORK/sampled.pb.gz"
raw "$WORK/sampled.pb.gz" >"$WORK/sampled.raw"
check_raw "pprof: sampled values scaled as Go's scaleHeapSample" 524288 "$WORK/sampled.raw"
run "pprof nosym" main pprof "$WORK/nosym.pb.gz" nosym
if raw "$WORK/nosym.pb.gz" | grep -q '0x402000 M=1'; then pass "pprof: unsymbolized stacks"; else
    fail "pprof: unsymbolized stacks"; fi
if "$D" main pprof "$WORK/no/such/dir/x.pb.gz" 2>/dev/null; then
    fail "pprof: unwritable path reports an error"
else
    pass "pprof: unwritable path reports an error"
fi

if "$GO" build -o "$WORK/goheap" tests/report/goheap/main.go && "$WORK/goheap" "$WORK/real.pb.gz"; then
    raw "$WORK/real.pb.gz" "$WORK/main.pb.gz" >"$WORK/merged.raw"
    if grep -q 'main.goAllocate' "$WORK/merged.raw" && grep -q 'main.leakName' "$WORK/merged.raw"; then
        pass "pprof: merges with a real Go heap profile"
    else
        fail "pprof: merges with a real Go heap profile"
    fi
else
    fail "pprof: build and run the Go heap profile writer"
fi

# The report stage and the symbolizer read the profile model (common/profile.h), never the
# record: its layout, flags and kinds are collect/record.c's to translate.
if grep -n '#include "\(cgoheap/shm\|collect/[a-z_]*\)\.h"' src/report/*.[ch] src/symbolize/*.[ch] \
    >"$WORK/layering"; then
    fail "report and symbolize include no record header" "$(head -n 3 "$WORK/layering")"
else
    pass "report and symbolize include no record header"
fi
exit $FAILED
