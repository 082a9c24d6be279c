# shellcheck shell=bash
# --show-roots names the Go object between a global and the C block it
# holds with the object's type where the runtime keeps one (Go 1.22+: the
# malloc header of an object over 512 bytes with pointers, a large
# object's span), and says "type unknown" where it keeps none (small
# objects; every object up to Go 1.21).
# go: both
# timeout: 300
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap
src=$ROOT/tests/progs/go/gotyped/main.go
bin=$(go_build tests/progs/go/gotyped gotyped) || exit 1
typed=yes
case $GOVER in go1.19 | go1.2[01]) typed=no ;; esac

# expect_held SIZE GLOBAL OBJECT_BYTES TYPE
expect_held() {
    local line
    line=$(line_of "C.malloc($1)" "$src") || exit 1
    expect_record "^==[0-9]+== $1 bytes in 1 blocks are still reachable" \
        "held by global main\\.$2\\+0 in gotyped, through a Go object of $3 bytes at 0x[0-9a-f]+ \\($4\\)\$" \
        "$(cgo_re malloc main.main "$line")"
}

ch_run --show-roots --show-leak-kinds=all -- "$bin"
expect_eq "$RC" 0 "exit status"
if [ $typed = yes ]; then
    expect_held 111 keptHolder 640 'main\.holder'
    expect_held 222 keptBig 40960 'main\.big'
else
    expect_held 111 keptHolder 640 'type unknown'
    expect_held 222 keptBig 40960 'type unknown'
fi
expect_held 333 keptSmall 16 'type unknown'
