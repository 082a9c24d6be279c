# shellcheck shell=bash
# make install into a temporary DESTDIR/PREFIX: the installed CLI finds
# its agent by itself and reports a leaking program; --version names the
# commit; the man page lists exactly the options --help lists; the bash
# completion completes options and leak kinds; make uninstall leaves no
# file behind.
# timeout: 300
. "$ROOT/tests/lib.sh"
need_cgoheap
leaky=$(c_build tests/progs/c/two_leaks.c) || exit 1
# Its own build directory: the suite's build may be a sanitizer build, and
# relinking it without the sanitizer flags would break the cases running beside.
dest=$WORK/dest
prefix=/opt/cgoheap-test
make -C "$ROOT" -s -j2 install BUILD="$WORK/build" DESTDIR="$dest" PREFIX="$prefix" >"$WORK/install.log" 2>&1 || {
    show "$WORK/install.log"
    fail "make install failed"
}
bin=$dest$prefix/bin/cgoheap
for f in bin/cgoheap lib/cgoheap/libcgoheap.so share/man/man1/cgoheap.1 \
    share/bash-completion/completions/cgoheap; do
    [ -s "$dest$prefix/$f" ] || fail "make install did not install $f"
done

# The installed CLI, without CGOHEAP_AGENT, on a leaking program.
rc=0
env -u CGOHEAP_AGENT "$bin" run --error-exitcode=23 "$leaky" 2>"$WORK/report" || rc=$?
expect_eq "$rc" 23 "installed cgoheap on a leaking program"
expect_grep 'definitely lost: 333 bytes in 2 blocks' "$WORK/report" "installed cgoheap's report"

"$bin" --version >"$WORK/version"
if commit=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null); then
    expect_grep "^cgoheap [0-9.]+ \\(commit $commit(-dirty)?\\)" "$WORK/version" "--version names the commit"
fi

# The man page and --help come from one table: the same options.
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$dest$prefix/share/man/man1/cgoheap.1" |
    sed 's/\\-/-/g' | grep -E '^\.B --' | grep -oE -- '^\.B --[a-z][a-z-]+' | sed 's/^\.B //' |
    sort -u >"$WORK/man.opts"
grep -oE -- '^  (-[a-z], )?--[a-z][a-z-]+' <("$bin" --help) | sed 's/.*--/--/' | sort -u \
    >"$WORK/help.listed"
[ -s "$WORK/man.opts" ] || fail "no options in the man page"
diff "$WORK/help.listed" "$WORK/man.opts" || fail "the man page and --help list different options"

# Bash completion: options, then leak kinds after --show-leak-kinds=.
complete_line() { # complete_line LINE -> the completions, one per line
    bash -c '
        . "$1"
        COMP_LINE=$2 COMP_POINT=${#2}
        read -r -a COMP_WORDS <<<"$2"
        [ "${2: -1}" = " " ] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_WORDBREAKS=" "
        _cgoheap
        printf "%s\n" "${COMPREPLY[@]}"' _ "$dest$prefix/share/bash-completion/completions/cgoheap" "$1"
}
expect_eq "$(complete_line 'cgoheap r')" run "completion of the command"
expect_eq "$(complete_line 'cgoheap run --show-leak-k')" --show-leak-kinds= "completion of an option"
expect_eq "$(complete_line 'cgoheap run --show-leak-kinds=def')" --show-leak-kinds=definite \
    "completion of a leak kind"
expect_eq "$(complete_line 'cgoheap run --errors-for-leak-kinds=definite,i')" \
    --errors-for-leak-kinds=definite,indirect "completion of a second leak kind"
expect_eq "$(complete_line 'cgoheap run --trace-threads=m')" --trace-threads=main \
    "completion of an option's value"

make -C "$ROOT" -s uninstall BUILD="$WORK/build" DESTDIR="$dest" PREFIX="$prefix" >"$WORK/uninstall.log" 2>&1 ||
    fail "make uninstall failed"
left=$(find "$dest" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
[ ! -e "$dest$prefix/lib/cgoheap" ] || fail "make uninstall left lib/cgoheap"
echo "ok: install, run, --version, man page, completion, uninstall"
