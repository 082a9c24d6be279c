# shellcheck shell=bash
# Loss records are headed like valgrind's: a definitely lost record whose
# blocks own indirectly lost ones says "N (D direct, I indirect) bytes in
# B blocks", and --json carries the indirect bytes. For each program of the
# kinds corpus the definitely lost headers (figures and wording, record
# numbers aside) are those valgrind prints, run as in kinds.sh.
# each: tests/progs/kinds/*.c*
. "$ROOT/tests/lib.sh"
need_valgrind
need_cgoheap
bin=$(c_build "$PARAM") || exit 1

# definite_headers REPORT -> "N[ (D direct, I indirect)] bytes in B blocks", sorted
definite_headers() {
    sed -nE 's/^==[0-9]+== ([0-9,]+ (\([0-9,]+ direct, [0-9,]+ indirect\) )?bytes in [0-9,]+ blocks) are definitely lost in loss record .*/\1/p' "$1" | sort
}

vg_default_supp "$WORK/defaults.supp"
vg_run --run-libc-freeres=no --run-cxx-freeres=no --suppressions="$WORK/defaults.supp" "$bin"
ch_run --show-leak-kinds=all --json="$WORK/r.json" -- "$bin"
definite_headers "$WORK/valgrind" >"$WORK/want"
definite_headers "$WORK/report" >"$WORK/got"
echo "valgrind:"; cat "$WORK/want"
echo "cgoheap:"; cat "$WORK/got"
cmp -s "$WORK/want" "$WORK/got" || {
    show "$WORK/report"
    fail "definitely lost record headers differ from valgrind's"
}

# JSON: the indirect bytes of the definite records sum to what the headers say.
want_ind=$(sed -nE 's/.*, ([0-9,]+) indirect\).*/\1/p' "$WORK/got" | tr -d , | awk '{s += $1} END {print s + 0}')
got_ind=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["records"]
print(sum(x["indirect_bytes"] for x in r if x["kind"] == "definite"))
assert all(x["indirect_bytes"] == 0 for x in r if x["kind"] != "definite")
' "$WORK/r.json") || fail "cannot read indirect_bytes from the JSON report"
expect_eq "$got_ind" "$want_ind" "indirect_bytes of definite records in --json"
