# shellcheck shell=bash
# --json=FILE: valid JSON whose summary and totals match the text report,
# whose records add up to the summary, and whose frames carry full paths.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
src=$ROOT/tests/progs/go/seed4/main.go
bin=$(go_build tests/progs/go/seed4 seed4) || exit 1
line=$(line_of 'C.CString(' "$src") || exit 1

ch_run --show-leak-kinds=all --json="$WORK/report.json" -- "$bin"
expect_eq "$RC" 0 "exit status"
[ -s "$WORK/report.json" ] || fail "--json wrote nothing"
text=""
for k in definite indirect possible reachable suppressed unfreed; do
    amount=$(summary $k "$WORK/report") || exit 1
    text="$text $k=${amount/ //}"
done
usage=$(sed -nE 's/.*total heap usage: ([0-9,]+) allocs, ([0-9,]+) frees, ([0-9,]+) bytes allocated.*/\1 \2 \3/p' \
    "$WORK/report" | tr -d ,)
[ -n "$usage" ] || fail "no 'total heap usage' line in the text report"

python3 - "$WORK/report.json" "$text" "$usage" "$line" <<'PY' || exit 1
import json, sys
path, text, usage, line = sys.argv[1], sys.argv[2], sys.argv[3].split(), int(sys.argv[4])
try:
    doc = json.load(open(path))
except ValueError as e:
    sys.exit("FAIL: %s is not valid JSON: %s" % (path, e))
keys = {"definite": "definitely_lost", "indirect": "indirectly_lost",
        "possible": "possibly_lost", "reachable": "still_reachable",
        "suppressed": "suppressed", "unfreed": "unfreed"}
bad = []
s = doc["summary"]
for item in text.split():
    kind, amount = item.split("=")
    want = [int(x) for x in amount.split("/")]
    got = [s[keys[kind]]["bytes"], s[keys[kind]]["blocks"]]
    if got != want:
        bad.append("summary %s: json %s, text %s" % (kind, got, want))
tot = [s["total"]["allocs"], s["total"]["frees"], s["total"]["bytes"]]
if tot != [int(x) for x in usage]:
    bad.append("total heap usage: json %s, text %s" % (tot, usage))
# Every record of every kind is in the json: they must add up to the summary.
for kind, key in keys.items():
    recs = [r for r in doc["records"]
            if (r["suppressed"] if kind == "suppressed" else
                (r["kind"] == kind and not r["suppressed"]))]
    sums = [sum(r["bytes"] for r in recs), sum(r["blocks"] for r in recs)]
    if sums != [s[key]["bytes"], s[key]["blocks"]]:
        bad.append("records of kind %s add up to %s, summary says %s"
                   % (kind, sums, [s[key]["bytes"], s[key]["blocks"]]))
hit = [r for r in doc["records"] if r["bytes"] == 17 and any(
    f.get("function") == "main.main" and f.get("line") == line
    and (f.get("file") or "").startswith("/")
    and (f.get("file") or "").endswith("/main.go") for f in r["frames"])]
if not hit:
    bad.append("no 17-byte record with a frame main.main /.../main.go:%d" % line)
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
PY
