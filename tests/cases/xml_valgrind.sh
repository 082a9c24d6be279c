# shellcheck shell=bash
# --xml=FILE writes valgrind memcheck's XML (protocol 4): the same program
# under `valgrind --leak-check=full --xml=yes` and under cgoheap gives the
# same document structure, the same leak errors (kinds, blocks, bytes) and,
# frame by frame, the same functions, files and lines where both know
# them, the same "N (D direct, I indirect) bytes" heading for a definitely
# lost record holding others, and the same InvalidFree errors (a double
# free) with the bad call's function. valgrind's first frame is its own
# allocator; cgoheap's stack starts at the allocator's caller, and goes on
# below main.
# timeout: 240
. "$ROOT/tests/lib.sh"
need_valgrind
need_cgoheap
vg_default_supp "$WORK/defaults.supp"

# PROGRAM[:ARG]; owner_chain and tree hold blocks indirectly, badfree double frees.
for prog in tests/progs/c/two_leaks.c tests/progs/c/allocs.c tests/progs/kinds/tree.c \
    tests/progs/kinds/realloc_chain.c tests/progs/kinds/interior.c \
    tests/progs/kinds/owner_chain.c tests/progs/c/badfree.c:double; do
    arg=${prog#*:}
    [ "$arg" = "$prog" ] && arg=
    bin=$(c_build "${prog%%:*}") || exit 1
    name=$(basename "$bin")
    valgrind --leak-check=full --show-leak-kinds=all --run-libc-freeres=no \
        --suppressions="$WORK/defaults.supp" --xml=yes --xml-file="$WORK/$name.vg.xml" \
        "$bin" $arg </dev/null >/dev/null 2>&1 || true
    ch_run --show-leak-kinds=all --xml "$WORK/$name.xml" "$bin" $arg
    python3 - "$WORK/$name.vg.xml" "$WORK/$name.xml" "$name" <<'PY' || exit 1
import re, sys
import xml.etree.ElementTree as ET
vg_path, ch_path, name = sys.argv[1], sys.argv[2], sys.argv[3]
vg, ch = ET.parse(vg_path).getroot(), ET.parse(ch_path).getroot()
def fail(msg):
    sys.exit("FAIL: %s: %s" % (ch_path, msg))
def want(what, got, exp):
    if got != exp:
        fail("%s: cgoheap %r, valgrind %r" % (what, got, exp))

# Structure: the same top-level elements in the same order (errors folded).
def shape(root):
    out = []
    for e in root:
        if not out or out[-1] != e.tag:
            out.append(e.tag)
    return out
want("root", ch.tag, vg.tag)
want("top-level elements", shape(ch), shape(vg))
for tag in ("protocolversion", "protocoltool", "tool"):
    want(tag, ch.findtext(tag), vg.findtext(tag))
want("status states", [s.findtext("state") for s in ch.iter("status")],
     [s.findtext("state") for s in vg.iter("status")])
for t in ch.iter("time"):
    if not re.fullmatch(r"\d\d:\d\d:\d\d:\d\d\.\d\d\d ", t.text):
        fail("bad <time> %r" % t.text)
want("argv exe", ch.findtext("args/argv/exe"), vg.findtext("args/argv/exe"))
for tag, key in (("errorcounts", "unique"), ("suppcounts", "name")):
    for pair in ch.find(tag):
        if pair.tag != "pair" or not pair.findtext("count").isdigit() or not pair.findtext(key):
            fail("bad <%s> entry" % tag)

def frames(err, drop_vg):
    out = []
    for f in err.iter("frame"):
        if drop_vg and "vgpreload" in (f.findtext("obj") or ""):
            continue
        out.append({k: f.findtext(k) for k in ("ip", "obj", "fn", "dir", "file", "line")})
        if out[-1]["fn"] == "main":
            break
    return out

# Invalid frees: the same kind, what and function of the bad call, in order.
def bad_frees(root, drop_vg):
    return [(e.findtext("kind"), e.findtext("what"), (frames(e.find("stack"), drop_vg) or [{}])[0].get("fn"))
            for e in root.iter("error") if e.findtext("kind") == "InvalidFree"]
cb, vb = bad_frees(ch, False), bad_frees(vg, True)
want("invalid frees (kind, what, function)", cb, vb)
if name == "badfree" and not cb:
    fail("no invalid free")

def errors(root, drop_vg):
    out = []
    for e in root.iter("error"):
        if e.findtext("kind") == "InvalidFree":
            continue
        text = e.findtext("xwhat/text")
        if not re.fullmatch(r"[\d,]+ (\([\d,]+ direct, [\d,]+ indirect\) )?bytes in [\d,]+ blocks are "
                            r"(definitely|indirectly|possibly) lost in loss record \d+ of \d+|"
                            r"[\d,]+ bytes in [\d,]+ blocks are still reachable in loss record \d+ of \d+",
                            text):
            fail("xwhat text %r" % text)
        if not re.fullmatch(r"0x[0-9a-f]+", e.findtext("unique")) or e.findtext("tid") != "1":
            fail("unique/tid")
        out.append({"kind": e.findtext("kind"), "bytes": int(e.findtext("xwhat/leakedbytes")),
                     "blocks": int(e.findtext("xwhat/leakedblocks")), "frames": frames(e, drop_vg),
                     "text": text})
    return out
ce, ve = errors(ch, False), errors(vg, True)
# leakedbytes of a definitely lost record counts the bytes it holds indirectly, as valgrind's,
# and the text says so alike (records are numbered biggest first: the number is left out).
def keys(es):
    return sorted((e["kind"], e["blocks"], e["bytes"], re.sub(r" in loss record .*", "", e["text"]))
                  for e in es)
want("errors (kind, blocks, bytes, text)", keys(ce), keys(ve))
if name in ("tree", "owner_chain") and not any("indirect)" in e["text"] for e in ce):
    fail("no definitely lost record holding blocks indirectly")

# Frames: pair each of ours with valgrind's error of the same kind, blocks and stack.
def sig(e):
    return (e["kind"], e["blocks"], tuple((f["fn"], f["file"], f["line"]) for f in e["frames"]))
vsigs = [sig(e) for e in ve]
compared = 0
for e in ce:
    s = sig(e)
    if s not in vsigs:
        fail("no valgrind error with the kind, blocks and frames %r" % (s,))
    v = ve[vsigs.index(s)]
    vsigs[vsigs.index(s)] = None
    for a, b in zip(e["frames"], v["frames"]):
        want("obj of %s" % a["fn"], a["obj"], b["obj"])
        if a["dir"] and b["dir"] and not b["dir"].endswith(a["dir"]):
            fail("dir of %s: cgoheap %r, valgrind %r" % (a["fn"], a["dir"], b["dir"]))
        compared += 1
print("ok: %s: %d errors, %d frames alike" % (ch_path, len(ce), compared))
PY
done
