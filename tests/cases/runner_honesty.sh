# shellcheck shell=bash
# The test tools tell the truth: expect_record needs every frame in ONE
# record (it passed when they were spread over several), a skipped part of
# a case shows in the runner's summary, and a missing stage suite fails.
. "$ROOT/tests/lib.sh"

cat >"$WORK/report" <<'R'
==1== 10 bytes in 1 blocks are definitely lost in loss record 1 of 2
==1==    at 0x1: foo (a.c:1)
==1==    by 0x2: main (a.c:9)
==1==
==1== 10 bytes in 1 blocks are definitely lost in loss record 2 of 2
==1==    at 0x3: bar (a.c:2)
==1==    by 0x2: main (a.c:9)
==1==
R
(expect_record '10 bytes in 1 blocks' 'foo' 'main') 2>/dev/null ||
    fail "expect_record: a record with foo and main exists"
(expect_record '10 bytes in 1 blocks' 'bar' 'main') 2>/dev/null ||
    fail "expect_record: a record with bar and main exists"
if (expect_record '10 bytes in 1 blocks' 'foo' 'bar') 2>/dev/null; then
    fail "expect_record passed with frames spread over two records"
fi

# A tree with one passing case that skips a part, and no stage suites.
fake=$WORK/fake
mkdir -p "$fake/tests/cases"
cp "$ROOT/tests/run" "$ROOT/tests/lib.sh" "$fake/tests/"
cat >"$fake/tests/cases/part.sh" <<'C'
. "$ROOT/tests/lib.sh"
skip_sub the-part "not here"
C
out=$("$fake/tests/run" 2>&1) && fail "a tree without stage suites passed"
echo "$out"
echo "$out" | grep -qx 'ok part' || fail "the case itself passed"
echo "$out" | grep -qx 'skip part: the-part: not here' || fail "the skipped part is not in the summary"
echo "$out" | grep -qE '^FAIL unit-agent \(tests/agent/run.sh does not exist\)' ||
    fail "a missing stage suite is not a failure"
expect_eq "$(echo "$out" | tail -n 1)" "1 passed, 5 failed, 1 skipped" "the totals line"
