# shellcheck shell=bash
# The JSON report names the run: the tool's version (as --version says
# it), cgoheap's command line, the exit status cgoheap chose, and for each
# record whether it counts as an error (--errors-for-leak-kinds, not
# suppressed).
. "$ROOT/tests/lib.sh"
need_cgoheap
bin=$(c_build tests/progs/kinds/tree.c) || exit 1 # 24 B definite, 144 B indirect
version=$("$CGOHEAP" --version | sed -E 's/^cgoheap (.*), record format .*/\1/')

check() { # check JSON WANT_STATUS WANT_ERROR_KINDS ARGS...
    python3 - "$@" <<'PY' || exit 1
import json, sys
path, status, kinds, version, args = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
doc = json.load(open(path))
def want(what, got, exp):
    if got != exp:
        sys.exit("FAIL: %s: got %r, expected %r" % (what, got, exp))
want("tool_version", doc["tool_version"], version)
want("command_line", doc["command_line"][1:], ["run"] + args)
want("exit_status", doc["exit_status"], status)
errs = sorted(r["kind"] for r in doc["records"] if r["error"])
exp = sorted(r["kind"] for r in doc["records"] if r["kind"] in kinds.split(",") and not r["suppressed"])
want("kinds of the records that count as errors", errs, exp)
print("ok:", path, "status", status, "errors", errs)
PY
}

args=(--json="$WORK/a.json" --error-exitcode=9 --errors-for-leak-kinds=indirect "$bin")
ch_run "${args[@]}"
expect_eq "$RC" 9 "status"
check "$WORK/a.json" 9 indirect "$version" "${args[@]}"

args=(--json "$WORK/b.json" "$bin")
ch_run "${args[@]}"
check "$WORK/b.json" 0 definite,possible "$version" "${args[@]}"

args=(--json="$WORK/c.json" --error-exitcode=9 --errors-for-leak-kinds=reachable "$bin")
ch_run "${args[@]}"
check "$WORK/c.json" 0 reachable "$version" "${args[@]}"
