# shellcheck shell=bash
# pprof samples carry the leak kind as the string label "kind", so that
# `go tool pprof -tagfocus kind=definite` keeps the definite leaks only;
# allocations that were freed are kind=freed, and all samples together
# still add up to the stack's figures.
# go: both
. "$ROOT/tests/lib.sh"
need_go
need_cgoheap

# focused PROFILE SAMPLE_INDEX TAGFOCUS -> the bytes pprof keeps.
focused() {
    "$GO" tool pprof -top -unit=B -nodefraction=0 -sample_index="$2" ${3:+-tagfocus="$3"} "$1" 2>"$WORK/pprof.err" |
        sed -nE 's/^Showing nodes accounting for ([0-9]+)B.*/\1/p'
}

# tree.c: a root of 24 B definitely lost, 6 nodes (144 B) indirectly lost.
bin=$(c_build tests/progs/kinds/tree.c) || exit 1
ch_run --pprof="$WORK/tree.pb.gz" "$bin"
"$GO" tool pprof -raw "$WORK/tree.pb.gz" >"$WORK/raw" 2>&1 || {
    show "$WORK/raw"
    fail "go tool pprof cannot read the profile"
}
expect_eq "$(focused "$WORK/tree.pb.gz" inuse_space kind=definite)" 24 "kind=definite in use"
expect_eq "$(focused "$WORK/tree.pb.gz" inuse_space kind=indirect)" 144 "kind=indirect in use"
expect_eq "$(focused "$WORK/tree.pb.gz" inuse_space)" 168 "in use over all kinds"

# seed1 (Go): C.CString's 17 B are definitely lost; what Go's runtime and
# libc freed is kind=freed, in alloc_space only.
bin=$(go_build tests/progs/go/seed1 seed1) || exit 1
ch_run --pprof="$WORK/seed1.pb.gz" "$bin"
expect_eq "$(focused "$WORK/seed1.pb.gz" inuse_space kind=definite)" 17 "Go: kind=definite"
"$GO" tool pprof -tags "$WORK/seed1.pb.gz" >"$WORK/tags" 2>&1
expect_grep '^ *kind:' "$WORK/tags" "pprof -tags lists the kind label"
total=$(focused "$WORK/seed1.pb.gz" alloc_space)
sum=0
for k in $(awk '/^ *[a-z]+: Total/ { inkind = ($1 == "kind:") } inkind && / \(.*%\): / { print $NF }' \
    "$WORK/tags"); do
    b=$(focused "$WORK/seed1.pb.gz" alloc_space "kind=$k")
    echo "alloc_space kind=$k: $b"
    sum=$((sum + ${b:-0}))
done
expect_eq "$sum" "$total" "alloc_space summed over the kinds"

# realloc_chain.c: the blocks realloc replaced are kind=freed, with
# alloc_space and no inuse_space; the final blocks keep their kinds.
bin=$(c_build tests/progs/kinds/realloc_chain.c) || exit 1
ch_run --pprof="$WORK/chain.pb.gz" "$bin"
total=$(focused "$WORK/chain.pb.gz" alloc_space)
freed=$(focused "$WORK/chain.pb.gz" alloc_space kind=freed)
expect_eq "$freed" $((total - 3000)) "alloc_space of kind=freed"
[ "$freed" -gt 0 ] || fail "no freed allocations in realloc_chain"
expect_eq "$(focused "$WORK/chain.pb.gz" inuse_space kind=freed)" "" "inuse_space of kind=freed"
expect_eq "$(focused "$WORK/chain.pb.gz" alloc_space kind=reachable)" 2000 "kind=reachable"
