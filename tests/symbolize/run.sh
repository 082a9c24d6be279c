#!/bin/bash
# Symbolizer tests: compares symdrv (the symbolizer driven over chosen
# addresses) with independent oracles -- binutils addr2line for C and
# (with -C) C++, `go tool addr2line` for Go -- on Go 1.19 and 1.23 cgo binaries, stripped
# and not, and feeds it hostile files. The drivers are the build's (SAN=1: ASan/UBSan).
# Prints one line per case; exits non-zero if any case fails.
# Env: GO119, GO123 (go binaries), KEEP=1 keeps the work directory.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GO119=${GO119:-/usr/lib/go-1.19/bin/go}
GO123=${GO123:-/usr/lib/go-1.23/bin/go}
WORK=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
FAILS=0

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1${2:+: $2}"; FAILS=$((FAILS + 1)); }
check() { # check NAME EXPECTED_FILE ACTUAL_FILE
    if cmp -s "$2" "$3"; then pass "$1 ($(wc -l <"$2") addresses)"; else
        fail "$1" "$(diff "$2" "$3" | grep -c '^[<>]') differing lines, e.g."
        diff "$2" "$3" | head -6 | sed 's/^/    /'
    fi
}

# --- normalizers: one line per address, "ADDR<TAB>func|basename|line ; ..." ---
norm_addr2line() { # binutils `addr2line -f -i -a` output
    awk '/^0x/ { if (out != "") print out; a = $1; sub(/^0x0*/, "", a); out = a "\t"; n = 0; next }
         { if (n % 2 == 0) fn = $0; else {
               fl = $0; sub(/ \(discriminator [0-9]+\)/, "", fl)
               f = fl; sub(/:[^:]*$/, "", f); sub(/.*\//, "", f); l = fl; sub(/.*:/, "", l)
               if (fn == "??") fn = "?"; if (f == "??") f = "?"; if (l == "?") l = 0
               out = out (n > 1 ? " ; " : "") fn "|" f "|" l }
           n++ }
         END { if (out != "") print out }'
}
norm_ours() { # symdrv output, full chain, flags dropped
    awk -F'\t' '{ n = split($2, fr, " ; "); out = $1 "\t"
        for (i = 1; i <= n; i++) { split(fr[i], p, "|"); f = p[2]; sub(/.*\//, "", f)
            out = out (i > 1 ? " ; " : "") p[1] "|" f "|" p[3] }
        print out }'
}
ours_go_view() { # what `go tool addr2line` shows: outermost function, innermost file:line
    awk -F'\t' '{ n = split($2, fr, " ; "); split(fr[1], in_, "|"); split(fr[n], out_, "|")
        print $1 "\t" out_[1] "|" in_[2] "|" in_[3] }'
}
norm_go_addr2line() { # ADDRS file + `go tool addr2line` output
    paste -d'\t' "$1" <(paste - - <"$2") |
        awk -F'\t' '{ a = $1; sub(/^0x0*/, "", a); fl = $3; l = fl; sub(/.*:/, "", l)
            sub(/:[^:]*$/, "", fl); if (fl == "?") l = 0
            print a "\t" $2 "|" fl "|" l }'
}
insn_addrs() { # insn_addrs BIN FUNC: every instruction address of FUNC
    # Alignment padding after the function is skipped: no call returns there,
    # and DWARF puts it outside the function's range.
    objdump -d --no-show-raw-insn "$1" |
        awk -v fn="<$2>:" '$2 == fn { on = 1; next } /^$/ { on = 0 }
                            on && $1 ~ /:$/ && !/nop|xchg +%ax,%ax|int3/ { sub(":", "", $1); print $1 }'
}
base_names() { sed 's#|[^|]*/\([^/|]*\)|#|\1|#g'; }

# --- the drivers, linked with the CLI's objects ---
. "$ROOT/tests/lib_stage.sh"
need_bins symbolize symdrv symdrv_nocxx elfsyms_test
DRV=$TB/symbolize/symdrv
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1

# --- the ELF symbol reader (sym_elf_syms) against readelf: .symtab, else .dynsym ---
readelf_syms() { # FILE TABLE: "INDEX VALUE NAME" lines (.dynsym: readelf's version suffix dropped)
    LC_ALL=C readelf -W --syms --dyn-syms "$1" | awk -v t="Symbol table '$2'" -v dyn="${2#.symtab}" '
        /^Symbol table / { on = index($0, t) == 1; next }
        on && $1 ~ /^[0-9]+:$/ { v = $2; sub(/^0+/, "", v); if (v == "") v = "0"
            n = $8; if (dyn != "") sub(/@.*/, "", n); print substr($1, 1, length($1) - 1), v, n }'
}
mkdir -p "$WORK/syms"
cp /bin/true "$WORK/syms/stripped" && strip "$WORK/syms/stripped"
gcc -O1 -g -o "$WORK/syms/c" -x c - <<<'int main(void) { return 0; }'
# libc: thousands of symbols, read a chunk at a time (SYM_ELF_SYMS_CHUNK), stripped of .symtab
LIBC=$(ldd /bin/true | awk '/libc\.so/ { print $3 }')
cp "$LIBC" "$WORK/syms/libc" && strip "$WORK/syms/libc"
for f in c stripped libc; do
    table=.symtab; [ $f = c ] || table=.dynsym
    readelf_syms "$WORK/syms/$f" "$table" >"$WORK/syms/$f.expect"
    "$TB/symbolize/elfsyms_test" "$WORK/syms/$f" >"$WORK/syms/$f.got"
    check "ELF symbols of a $f file: $table, as readelf lists it" "$WORK/syms/$f.expect" "$WORK/syms/$f.got"
done
if [ "$("$TB/symbolize/elfsyms_test" --symtab-only "$WORK/syms/stripped")" = none ]; then
    pass "ELF symbols: no .symtab, and .dynsym not asked for"
else fail "ELF symbols: .dynsym read when only .symtab was asked for"; fi

# --- names without a symbol table: the table's answers, and no table for a few ---
# sym_symtab_find_once answers a lookup by one pass over the file's symbols: at every
# function's first, second and last byte and the byte after it, the same as the table.
LIBC_DEBUG=$(id=$(readelf -n "$LIBC" | awk '/Build ID/ { print $3 }') &&
    f=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug && [ -r "$f" ] && echo "$f")
for f in "$WORK/syms/c" "$LIBC" ${LIBC_DEBUG:+"$LIBC_DEBUG"}; do
    out=$("$TB/symbolize/elfsyms_test" --once "$f")
    if [ $? = 0 ] && [[ $out =~ ^[1-9][0-9]*\ lookups,\ 0\ differ$ ]]; then
        pass "names by one pass over the symbols, as the table gives them: ${f##*/} ($out)"
    else fail "names by one pass over ${f##*/} differ from the table's" "$(printf "%s" "$out" | head -n 3)"; fi
done
# A report whose records are all suppressed looks up a few names per module: no table is
# made for them (libc's took 1.5-3 ms), but past SYM_LOOKUPS_ONCE lookups it is.
fns=$(LC_ALL=C readelf -W --dyn-syms "$LIBC" | awk '$4 == "FUNC" && $3 > 0 && $7 ~ /^[0-9]+$/ { print $2 }' |
    sort -u | head -n 12)
few=$("$DRV" --names --tables "$LIBC" $(echo "$fns" | head -n 3) | tail -n 1)
many=$("$DRV" --names --tables "$LIBC" $fns | tail -n 1)
if [ "$few" = "tables 0" ] && [ "$many" = "tables 1" ]; then
    pass "libc's symbol table made past 8 name lookups, not for 3"
else fail "libc's symbol table: 3 names: '$few' (want tables 0), 12 names: '$many' (want tables 1)"; fi

# --- C at -O2: every instruction, inlined calls from a header, PIE with a bias ---
mkdir -p "$WORK/c"
cat >"$WORK/c/util.h" <<'C'
#include <stdlib.h>
static inline int twice(int x) { return (int)(long)malloc((size_t)x * 2) + x; }
static inline int helper(int x) { return twice(x) * 3 + 1; }
C
cat >"$WORK/c/prog.c" <<'C'
#include "util.h"
#include <stdio.h>
__attribute__((noinline)) int work(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += helper(i);
    return s;
}
int main(int argc, char **argv)
{
    (void)argv;
    printf("%d\n", work(argc + 5));
    return 0;
}
C
gcc -O2 -g -o "$WORK/c/prog" "$WORK/c/prog.c"
ADDRS=$( (insn_addrs "$WORK/c/prog" work; insn_addrs "$WORK/c/prog" main) | tr '\n' ' ')
addr2line -f -i -a -e "$WORK/c/prog" $ADDRS | norm_addr2line >"$WORK/c/expect"
"$DRV" --bias=7f12a4000000 "$WORK/c/prog" $ADDRS >"$WORK/c/raw" || fail "C driver run"
norm_ours <"$WORK/c/raw" >"$WORK/c/got"
check "C -O2 PIE vs addr2line -f -i" "$WORK/c/expect" "$WORK/c/got"
if base_names <"$WORK/c/raw" |
    grep -q '^[0-9a-f]*	twice|util.h|[0-9]*|i ; helper|util.h|[0-9]*|i ; work|prog.c|7|-$'
then pass "C inlined chain twice -> helper -> work:7, inlined flags"
else fail "C inlined chain twice -> helper -> work:7"; fi

objcopy --strip-debug "$WORK/c/prog" "$WORK/c/prog.nodebug"
WORK_ENTRY=$(nm "$WORK/c/prog" | awk '$3 == "work" { print $1 }')
GOT=$("$DRV" "$WORK/c/prog.nodebug" "$(printf %x $((0x$WORK_ENTRY + 2)))" | cut -f2)
[ "$GOT" = "work|?|0|-" ] && pass "C without DWARF: function from .symtab" ||
    fail "C without DWARF" "$GOT"

BID=$(readelf -n "$WORK/c/prog" | awk '/Build ID/ { print $3 }')
GOT=$("$DRV" --build-id "$WORK/c/prog")
[ -n "$BID" ] && [ "$GOT" = "$BID" ] && pass "GNU build id" || fail "GNU build id" "$GOT vs $BID"

# A separate debug file found by build ID, its DWARF compressed: the same
# answers. Then again with few descriptors left, where files are copied
# into memory instead of being read lazily through a kept descriptor.
DROOT=$WORK/c/debugroot
mkdir -p "$DROOT/.build-id/${BID:0:2}"
objcopy --only-keep-debug --compress-debug-sections=zlib "$WORK/c/prog" \
    "$DROOT/.build-id/${BID:0:2}/${BID:2}.debug"
objcopy --strip-debug "$WORK/c/prog" "$WORK/c/prog.split"
CGOHEAP_DEBUG_ROOT=$DROOT "$DRV" --bias=7f12a4000000 "$WORK/c/prog.split" $ADDRS \
    >"$WORK/c/raw.split"
norm_ours <"$WORK/c/raw.split" >"$WORK/c/got.split"
check "C with a compressed separate debug file vs addr2line" "$WORK/c/expect" "$WORK/c/got.split"
(ulimit -n 6 && CGOHEAP_DEBUG_ROOT=$DROOT "$DRV" --bias=7f12a4000000 "$WORK/c/prog.split" $ADDRS \
    >"$WORK/c/raw.copied")
norm_ours <"$WORK/c/raw.copied" >"$WORK/c/got.copied"
check "C with a separate debug file, files copied (few descriptors)" "$WORK/c/expect" \
    "$WORK/c/got.copied"

# --- a compressed .debug_info inflated only as far as lookups go (.debug_aranges) ---
# Five units: addresses asked first in the first unit, then further on, so
# that the inflated prefix grows and the section is reopened, give
# addr2line's answers. Then the compressed stream is damaged three quarters
# in: the first unit's lines must still come, since nothing past the units
# looked up is inflated (read whole, the section failed and the function
# had its .symtab name only).
U=$WORK/units
mkdir -p "$U"
printf 'int early(int x)\n{\n    return x * 3;\n}\nint main(void) { return early(2); }\n' >"$U/u0.c"
for i in 1 2 3 4; do
    awk -v u=$i 'BEGIN { for (i = 0; i < 400; i++) {
        printf "struct s%d_%d {", u, i
        for (j = 0; j < 30; j++) printf " long m%d;", j
        printf " } v%d_%d;\nlong f%d_%d(void)\n{\n    return v%d_%d.m1;\n}\n", u, i, u, i, u, i } }' \
        >"$U/u$i.c"
done
gcc -O0 -g -gz=zlib -o "$U/prog" "$U"/u0.c "$U"/u1.c "$U"/u2.c "$U"/u3.c "$U"/u4.c
ADDRS=$(for f in early f2_7 f4_399 f1_200 main f3_0; do insn_addrs "$U/prog" $f | head -2; done |
    tr '\n' ' ')
addr2line -f -i -a -e "$U/prog" $ADDRS | norm_addr2line >"$U/expect"
"$DRV" "$U/prog" $ADDRS | norm_ours >"$U/got"
check "C, compressed .debug_info in five units, read in prefixes, vs addr2line" "$U/expect" "$U/got"
read -r off size < <(readelf -SW "$U/prog" | awk '$2 == ".debug_info" { print $5, $6 }')
cp "$U/prog" "$U/damaged"
head -c 256 /dev/zero | tr '\0' '\252' |
    dd of="$U/damaged" bs=1 seek=$((0x$off + 0x$size * 3 / 4)) conv=notrunc status=none
EARLY=$(insn_addrs "$U/prog" early | sed -n 2p)
WANT=$(addr2line -f -i -a -e "$U/prog" "$EARLY" | norm_addr2line | cut -f2)
GOT=$("$DRV" "$U/damaged" "$EARLY" | norm_ours | cut -f2)
case $WANT in early\|u0.c\|[1-9]*) ;; *) fail "addr2line on the first unit" "$WANT" ;; esac
[ "$GOT" = "$WANT" ] && pass "compressed .debug_info damaged past the units looked up: lines" ||
    fail "compressed .debug_info damaged past the units looked up" "$GOT, not $WANT"

# --- C++: qualified, demangled names like addr2line -C (namespaces, methods, templates) ---
# Addresses: every instruction of every C++ function and main, then the split
# .cold parts. The .cold parts go last because addr2line names a function
# without a linkage name (GCC's anonymous-namespace functions at -O0) from the
# symbol at its entry only once that entry has been looked up; we always do.
fn_addrs() { # fn_addrs BIN REGEX: instruction addresses of functions whose raw name matches
    objdump -d --no-show-raw-insn "$1" |
        awk -v re="$2" '/^[0-9a-f]+ <[^>]*>:$/ { name = substr($2, 2, length($2) - 3)
                            on = name ~ re && (re ~ /cold/ || name !~ /\.cold$/); next }
                        /^$/ { on = 0 }
                        on && $1 ~ /:$/ && !/nop|xchg +%ax,%ax|int3/ { sub(":", "", $1); print $1 }'
}
drop_files() { sed 's/|[^|]*|\([0-9]*\)\( ;\|$\)/|\1\2/g'; }
mkdir -p "$WORK/cxx"
cat >"$WORK/cxx/prog.cc" <<'CXX'
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace shapes {
namespace detail {
template <typename T> struct Pool {
    std::vector<T *> items;
    __attribute__((noinline)) T *make(int n)
    {
        T *p = new T[(size_t)n + 1];
        items.push_back(p);
        return p;
    }
};
} // namespace detail

class Square {
  public:
    explicit Square(int side) : side_(side) {}
    int area() const { return side_ * side_; }
    __attribute__((noinline)) long *remember(int copies);
    static int count;

  private:
    int side_;
};
int Square::count = 0;

long *Square::remember(int copies)
{
    detail::Pool<long> pool;
    long *p = pool.make(copies + area());
    count += (int)pool.items.size();
    return p;
}
} // namespace shapes

namespace {
__attribute__((noinline)) std::string label(int n)
{
    std::map<int, std::string> names;
    names[n] = std::to_string(n);
    return names[n] + "!";
}
} // namespace

void *operator new[](size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == nullptr)
        abort();
    return p;
}

// A C symbol that merely looks mangled: the demangler rejects it, the name stays.
extern "C" __attribute__((noinline)) int _Znot_mangled(int x) { return x * 3 + 1; }

int main(int argc, char **argv)
{
    (void)argv;
    shapes::Square sq(argc + 2);
    long *p = sq.remember(argc);
    std::printf("%ld %s %d\n", p[0], label(argc).c_str(), _Znot_mangled(argc));
    return 0;
}
CXX
cxx_case() { # cxx_case OPT DWARF_VERSION
    local d="$WORK/cxx/O$1-dwarf$2" addrs
    mkdir -p "$d"
    if ! g++ "-O$1" -g "-gdwarf-$2" -o "$d/prog" "$WORK/cxx/prog.cc"; then
        fail "C++ -O$1 DWARF $2 build"; return
    fi
    addrs=$(fn_addrs "$d/prog" '^(_Z[^@]*|main)$'; fn_addrs "$d/prog" '\.cold$')
    addr2line -f -C -i -a -e "$d/prog" $addrs | norm_addr2line >"$d/expect"
    "$DRV" --bias=7f12a4000000 "$d/prog" $addrs >"$d/raw" || fail "C++ -O$1 driver run"
    norm_ours <"$d/raw" >"$d/got"
    if [ "$2" = 5 ]; then
        # binutils 2.40 reads DWARF 5 file 1 as file 0 (the .cc), so compare
        # functions and lines only there; DWARF 4 compares files too.
        drop_files <"$d/expect" >"$d/expect.nf"; drop_files <"$d/got" >"$d/got.nf"
        check "C++ -O$1 DWARF $2 vs addr2line -f -C -i (functions, lines)" "$d/expect.nf" "$d/got.nf"
    else
        check "C++ -O$1 DWARF $2 vs addr2line -f -C -i" "$d/expect" "$d/got"
    fi
    local want missing=""
    for want in 'shapes::Square::remember(int)' 'shapes::detail::Pool<long>::make(int)' \
        'operator new[](unsigned long)' '(anonymous namespace)::label(int)' '_Znot_mangled' \
        'std::vector<long*, std::allocator<long*> >::push_back(long* const&)'; do
        cut -f2 "$d/raw" | tr ';' '\n' | sed 's/^ //; s/|.*//' | grep -qxF "$want" ||
            missing="$missing '$want'"
    done
    [ -z "$missing" ] && pass "C++ -O$1 DWARF $2 names qualified and demangled" ||
        fail "C++ -O$1 DWARF $2 names" "missing$missing"
}
cxx_case 0 4
cxx_case 2 4
cxx_case 0 5
cxx_case 2 5

# Without DWARF the names come from .symtab and are demangled the same way.
CXXBIN=$WORK/cxx/O2-dwarf4/prog
if [ -f "$CXXBIN" ]; then
    objcopy --strip-debug "$CXXBIN" "$CXXBIN.nodebug"
    ADDRS=$(fn_addrs "$CXXBIN" '^(_Z[^@]*|main)(\.cold)?$' | awk 'NR % 5 == 0')
    addr2line -f -C -a -e "$CXXBIN.nodebug" $ADDRS | norm_addr2line >"$WORK/cxx/sym.expect"
    "$DRV" "$CXXBIN.nodebug" $ADDRS | norm_ours >"$WORK/cxx/sym.got"
    check "C++ without DWARF: .symtab names vs addr2line -f -C" "$WORK/cxx/sym.expect" "$WORK/cxx/sym.got"

    # No C++ runtime to load: names stay mangled, nothing breaks.
    # (symdrv_nocxx: symdrv with SYM_DEMANGLE_LIB naming a library that does not exist.)
    ENTRY=$(nm "$CXXBIN" | awk '$3 == "_ZN6shapes6Square8rememberEi" { print $1 }')
    GOT=$("$TB/symbolize/symdrv_nocxx" "$CXXBIN" "$(printf %x $((0x$ENTRY + 2)))" | cut -f2)
    [ -n "$ENTRY" ] && [ "${GOT%%|*}" = _ZN6shapes6Square8rememberEi ] &&
        pass "C++ runtime missing: mangled names kept" ||
        fail "C++ runtime missing: mangled names kept" "$GOT"
fi

# --- Go (cgo) on each toolchain, stripped and not ---
mkdir -p "$WORK/go/src"
cat >"$WORK/go/src/main.go" <<'GO'
package main

/*
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) int cwork(int n) {
	char *p = malloc(n + 1);
	memset(p, 'a', n);
	int r = p[0] + n;
	free(p);
	return r;
}
*/
import "C"

import (
	"fmt"
	"os"
)

func square(x int) int {
	return x * x // SQUARE_BODY
}

func addSquares(a, b int) int {
	return square(a) + square(b) // SQUARE_CALL
}

func main() {
	n := len(os.Args)
	s := addSquares(n, n+1) // ADD_CALL
	r := C.cwork(C.int(s))
	p := C.CString("hello")
	fmt.Println(s, r, p != nil)
}
GO
line_of() { grep -n "$1" "$WORK/go/src/main.go" | cut -d: -f1; }
L_BODY=$(line_of SQUARE_BODY); L_SQCALL=$(line_of SQUARE_CALL); L_ADDCALL=$(line_of ADD_CALL)

go_case() { # go_case NAME GOBIN
    local name=$1 gobin=$2 d="$WORK/go/$1"
    mkdir -p "$d"
    if [ ! -x "$gobin" ]; then fail "$name" "no Go toolchain at $gobin"; return; fi
    if ! (cd "$WORK/go/src" && GOCACHE="$d/cache" GOFLAGS=-buildvcs=false GO111MODULE=off \
            GOPATH="$d/gopath" "$gobin" build -o "$d/bin" main.go &&
          GOCACHE="$d/cache" GOFLAGS=-buildvcs=false GO111MODULE=off GOPATH="$d/gopath" \
            "$gobin" build -ldflags='-s -w' -o "$d/bin.s" main.go); then
        fail "$name build"; return
    fi
    # Go functions (package-qualified names) sampled across the binary, at mid-function.
    "$gobin" tool nm -size "$d/bin" |
        awk '($3 == "T" || $3 == "t") && $2 > 8 && $4 ~ /\./ && NR % 7 == 0 { print $1, int($2 / 2) }' |
        while read -r a half; do printf '0x%x\n' $((0x$a + half)); done >"$d/addrs"
    "$gobin" tool objdump -s '^main\.main$' "$d/bin" | awk '$2 ~ /^0x/ { print $2 }' >>"$d/addrs"
    "$gobin" tool addr2line "$d/bin" <"$d/addrs" >"$d/oracle.raw"
    norm_go_addr2line "$d/addrs" "$d/oracle.raw" >"$d/expect"
    "$DRV" "$d/bin" <"$d/addrs" >"$d/raw" || fail "$name driver run"
    ours_go_view <"$d/raw" >"$d/got"
    check "$name Go funcs+lines vs go tool addr2line" "$d/expect" "$d/got"
    "$DRV" "$d/bin.s" <"$d/addrs" >"$d/raw.s" || fail "$name stripped driver run"
    check "$name -s -w gives the same frames (inline chains included)" "$d/raw" "$d/raw.s"

    # An address inside the inlined square() called from addSquares() inlined into main.
    local inl
    inl=$("$gobin" tool objdump -s '^main\.main$' "$d/bin" |
        awk -v l="main.go:$L_BODY" '$1 == l { print $2; exit }')
    local want="main.square|main.go|$L_BODY|i ; main.addSquares|main.go|$L_SQCALL|i ; main.main|main.go|$L_ADDCALL|-"
    for b in bin bin.s; do
        local got
        got=$("$DRV" "$d/$b" "$inl" | cut -f2 | base_names)
        [ -n "$inl" ] && [ "$got" = "$want" ] && pass "$name $b Go inline tree at $inl" ||
            fail "$name $b Go inline tree" "got '$got' want '$want'"
    done

    # A PC inside the cgo C function: that C function with its DWARF line, not a Go function.
    # (binutils 2.40 names the DWARF 5 file entry 0, main.cgo2.c, for file 1 which is
    # main.go via cgo's #line: lines and functions are compared, the file must be main.go.)
    insn_addrs "$d/bin" cwork >"$d/caddrs"
    addr2line -f -i -a -e "$d/bin" $(cat "$d/caddrs") | norm_addr2line |
        sed 's/|[^|]*|\([0-9]*\)$/|main.go|\1/' >"$d/cexpect"
    "$DRV" "$d/bin" <"$d/caddrs" | norm_ours >"$d/cgot"
    check "$name cgo C function vs addr2line" "$d/cexpect" "$d/cgot"

    # Go names are never demangled; that is safe only while no Go symbol looks mangled.
    local zsyms
    zsyms=$("$gobin" tool nm "$d/bin" | awk '$2 ~ /^[Tt]$/ && $3 ~ /^_Z/' | wc -l)
    [ "$zsyms" -eq 0 ] && pass "$name no text symbol starts with _Z" ||
        fail "$name text symbols starting with _Z" "$zsyms"

    # Internal frames: cgo glue and call machinery yes, user code no.
    local flags=""
    for fn in main._Cfunc_CString '_cgo_[0-9a-f]*_Cfunc_cwork' runtime.cgocall main.main; do
        local a
        a=$("$gobin" tool nm "$d/bin" | awk -v f="^$fn\$" '$2 == "T" || $2 == "t" { if ($3 ~ f) print $1 }')
        flags="$flags $("$DRV" "$d/bin" "$(printf %x $((0x$a + 1)))" | awk -F'|' '{ print $NF }')"
    done
    [ "$flags" = " x x x -" ] && pass "$name internal flags" || fail "$name internal flags" "$flags"

    local gid
    gid=$("$DRV" --build-id "$d/bin")
    [ -n "$gid" ] && { readelf -n "$d/bin" | grep -q "$gid" || [ "$gid" = "$("$gobin" tool buildid "$d/bin")" ]; } &&
        pass "$name build id" || fail "$name build id" "$gid"
}
go_case go1.19 "$GO119"
go_case go1.23 "$GO123"

# --- hostile modules: no crash, no sanitizer report, module+offset ---
hostile() { # hostile NAME FILE
    local out
    out=$("$DRV" "$2" 401000 1234 0 2>&1)
    if [ $? -eq 0 ] && ! grep -q 'Sanitizer\|runtime error' <<<"$out"; then
        pass "hostile: $1"
    else
        fail "hostile: $1" "$(head -3 <<<"$out")"
    fi
}
head -c 65536 /dev/urandom >"$WORK/random.bin"
hostile "random bytes" "$WORK/random.bin"
GOT=$("$DRV" "$WORK/random.bin" 1234 | cut -f2)
[ "$GOT" = "?|?|0|-|$WORK/random.bin+0x1235" ] && pass "unknown module -> module+offset" ||
    fail "unknown module -> module+offset" "$GOT"
hostile "missing file" "$WORK/does-not-exist"
for n in 16 64 1000 5000; do
    head -c $n "$WORK/c/prog" >"$WORK/trunc$n"
    hostile "ELF truncated to $n bytes" "$WORK/trunc$n"
done
GOBIN=$WORK/go/go1.23/bin
if [ -f "$GOBIN" ]; then
    head -c $(($(stat -c %s "$GOBIN") / 2)) "$GOBIN" >"$WORK/go.half"
    "$DRV" "$WORK/go.half" <"$WORK/go/go1.23/addrs" >/dev/null 2>"$WORK/half.err" &&
        ! grep -q Sanitizer "$WORK/half.err" && pass "hostile: Go binary cut in half" ||
        fail "hostile: Go binary cut in half" "$(head -3 "$WORK/half.err")"
    # A module that shrinks after it was opened: what is read later is gone.
    # Lookups must still answer (module+offset at worst), where a mapped
    # file would raise SIGBUS.
    for n in $(($(stat -c %s "$GOBIN") / 2)) 4096; do
        cp "$GOBIN" "$WORK/shrinks"
        if "$DRV" --truncate-after-open=$n "$WORK/shrinks" <"$WORK/go/go1.23/addrs" \
            >"$WORK/shrinks.out" 2>"$WORK/shrinks.err" && ! grep -q Sanitizer "$WORK/shrinks.err" &&
            [ "$(wc -l <"$WORK/shrinks.out")" = "$(wc -l <"$WORK/go/go1.23/addrs")" ]; then
            pass "hostile: Go binary truncated to $n bytes after it was opened"
        else
            fail "hostile: Go binary truncated to $n bytes after it was opened" \
                "$(head -3 "$WORK/shrinks.err")"
        fi
    done
    for sec in .gopclntab .debug_info .debug_line .symtab; do
        cp "$GOBIN" "$WORK/corrupt"
        read -r off size < <(readelf -SW "$GOBIN" | awk -v s="$sec" '$2 == s { print $5, $6 }')
        [ -n "${off:-}" ] || continue
        # Overwrite from 64 bytes in (keeps some headers valid, so parsing goes deep).
        dd if=/dev/urandom of="$WORK/corrupt" bs=1 seek=$((0x$off + 64)) \
            count=$((0x$size > 4096 ? 4096 : 0x$size / 2)) conv=notrunc status=none
        "$DRV" "$WORK/corrupt" <"$WORK/go/go1.23/addrs" >/dev/null 2>"$WORK/corrupt.err" &&
            ! grep -q Sanitizer "$WORK/corrupt.err" && pass "hostile: Go binary, $sec overwritten" ||
            fail "hostile: Go binary, $sec overwritten" "$(head -3 "$WORK/corrupt.err")"
    done
fi

# --- speed (informational; the build's flags, so slower under SAN=1) ---
if [ -f "$GOBIN" ]; then
    echo "INFO $("$DRV" --bench=200000 "$GOBIN" $(sed 's/^0x//' "$WORK/go/go1.23/addrs"))"
fi

[ $FAILS -eq 0 ] && echo "symbolize: all passed" || echo "symbolize: $FAILS failed"
[ $FAILS -eq 0 ]
