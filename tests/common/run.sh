#!/bin/bash
# Unit tests of the CLI's shared machinery in src/common: the u64 map, the
# string interner and the array growth, each against a reference and with a
# failing allocator (tests/common/failalloc.h). Built with ASan/UBSan.
# Prints one line per case; exits non-zero if any case fails.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/common
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cgoheap-common.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
CC=${CC:-gcc}
CFLAGS="-std=gnu11 -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers -g -O1 \
    -I$ROOT/include -I$ROOT/src -D_GNU_SOURCE \
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
WRAP=-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

fails=0
build() { # NAME SOURCES...
    local name=$1
    shift
    if ! $CC $CFLAGS $WRAP -o "$TMP/$name" "$@" 2>"$TMP/$name.err"; then
        echo "FAIL common/build $name: $(head -n 3 "$TMP/$name.err")"
        exit 1
    fi
}
run() { # NAME COMMAND...
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then
        echo "PASS common/$name${out:+: $(echo "$out" | tail -n 1)}"
    else
        echo "FAIL common/$name: $(echo "$out" | grep -m1 .)"
        echo "$out" | sed 's/^/    /'
        fails=$((fails + 1))
    fi
}

build u64map_test "$HERE/u64map_test.c" "$ROOT/src/common/u64map.c"
build intern_test "$HERE/intern_test.c" "$ROOT/src/common/intern.c"
build grow_test "$HERE/grow_test.c"
for c in basic oom; do
    run "u64map_$c" "$TMP/u64map_test" "$c"
    run "intern_$c" "$TMP/intern_test" "$c"
done
run grow "$TMP/grow_test"
[ "$fails" -eq 0 ]
