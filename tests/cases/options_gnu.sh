# shellcheck shell=bash
# Options parsed like GNU getopt_long: "--opt VALUE" and "--opt=VALUE",
# unique prefixes, "--" and the first non-option end the options; a slip of
# the fingers names the option meant; valgrind's spellings work where they
# mean the same, its other options are refused by name; CGOHEAP_OPTIONS
# adds options (the command line wins).
. "$ROOT/tests/lib.sh"
need_cgoheap
leaky=$(c_build tests/progs/c/two_leaks.c) || exit 1
clean=$(c_build tests/progs/c/clean.c) || exit 1
reachable_only=$(c_build tests/progs/kinds/global.c) || exit 1

# one_line_error WHY ERE ARGS...: cgoheap fails with one line matching ERE.
one_line_error() {
    local why=$1 re=$2 rc=0
    shift 2
    "$CGOHEAP" run "$@" </dev/null >"$WORK/out" 2>"$WORK/err" || rc=$?
    [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "$why: exit status $rc for: cgoheap run $*"
    expect_eq "$(grep -c . "$WORK/err")" 1 "$why: lines of error output"
    expect_grep "$re" "$WORK/err" "$why"
}

# Both value forms, and a unique prefix (--js for --json).
ch_run --pprof "$WORK/space.pb.gz" --js "$WORK/space.json" --log-file="$WORK/eq.log" "$leaky"
expect_eq "$RC" 0 "status"
[ -s "$WORK/space.pb.gz" ] || fail "--pprof FILE (space) wrote no profile"
expect_grep '"kind": *"definite"' "$WORK/space.json" "--js FILE (prefix, space) wrote the JSON"
expect_grep 'definitely lost: 333 bytes in 2 blocks' "$WORK/eq.log" "--log-file=FILE"

# The first non-option is the program: what follows is its own.
ch_run /bin/echo --show-leak-kinds=all -- x
expect_eq "$(cat "$WORK/stdout")" "--show-leak-kinds=all -- x" "arguments after the program"
ch_run -- /bin/echo --pprof x
expect_eq "$(cat "$WORK/stdout")" "--pprof x" "arguments after --"

# Slips, ambiguity, values where none belong, missing values.
one_line_error "misspelt option" "did you mean '--show-leak-kinds'\\?" --show-leek-kinds=all "$leaky"
one_line_error "misspelt option" "did you mean '--suppressions'\\?" --supressions=x "$leaky"
one_line_error "ambiguous prefix" "'--s' is ambiguous: .*--show-leak-kinds.*--suppressions" \
    --s=all "$leaky"
one_line_error "value for a flag" "'--no-scan' takes no value" --no-scan=yes "$leaky"
one_line_error "missing value" "'--pprof' needs a value" --pprof
one_line_error "bad value" "bad value 'sometimes' for --show-leak-kinds" \
    --show-leak-kinds sometimes "$leaky"

# Valgrind's spellings, as typed out of habit.
ch_run --leak-check=full --show-leak-kinds=all --gen-suppressions=all --trace-children=no \
    --error-exitcode=23 --log-file="$WORK/vg.log" "$leaky"
expect_eq "$RC" 23 "valgrind spellings: --error-exitcode=23"
expect_grep 'definitely lost: 333 bytes in 2 blocks' "$WORK/vg.log" "valgrind spellings: report"
expect_grep '^ *Memcheck:Leak|^ *leak:' "$WORK/vg.log" "--gen-suppressions=all prints entries"
ch_run --xml=yes --xml-file="$WORK/vg.xml" "$leaky"
expect_grep '<kind>Leak_DefinitelyLost</kind>' "$WORK/vg.xml" "--xml=yes --xml-file=FILE"
one_line_error "--xml=yes alone" "--xml=yes needs --xml-file" --xml=yes "$leaky"
ch_run --error-exitcode=0 "$leaky"
expect_eq "$RC" 0 "--error-exitcode=0 is off, as in valgrind"
ch_run --show-reachable=yes "$reachable_only"
expect_grep 'are still reachable in loss record' "$WORK/report" "--show-reachable=yes"
one_line_error "valgrind-only option" "valgrind's option '--track-origins' is not supported" \
    --track-origins=yes "$leaky"
one_line_error "valgrind-only option" "valgrind's option '--num-callers' is not supported" \
    --num-callers=40 "$leaky"
one_line_error "valgrind --leak-check=summary" "--leak-check=summary is not supported" \
    --leak-check=summary "$leaky"

# CGOHEAP_OPTIONS adds options; the command line wins; quotes group words.
export CGOHEAP_OPTIONS="--error-exitcode 23 '--log-file=$WORK/env log'"
ch_run "$leaky"
expect_eq "$RC" 23 "CGOHEAP_OPTIONS=--error-exitcode 23"
expect_grep 'definitely lost: 333 bytes' "$WORK/env log" "CGOHEAP_OPTIONS --log-file (quoted)"
ch_run --error-exitcode=24 "$leaky"
expect_eq "$RC" 24 "the command line wins over CGOHEAP_OPTIONS"
ch_run "$clean"
expect_eq "$RC" 0 "CGOHEAP_OPTIONS: a clean program keeps its status"
CGOHEAP_OPTIONS="--bogus-option" one_line_error "bad CGOHEAP_OPTIONS" \
    "^cgoheap: CGOHEAP_OPTIONS: unknown option '--bogus-option'" "$leaky"
CGOHEAP_OPTIONS="$leaky" one_line_error "a program in CGOHEAP_OPTIONS" \
    "CGOHEAP_OPTIONS: .* is not an option" "$leaky"
unset CGOHEAP_OPTIONS
echo "ok: all option forms"
