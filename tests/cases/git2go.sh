# shellcheck shell=bash
# libgit2 through git2go, used correctly (8 goroutines each init a
# repository, commit, fail a lookup, free everything): libgit2 keeps its
# per-thread error state in the TLS of the threads Go runs it on, so no
# block may be lost, in every one of 20 runs.
# go: both
# timeout: 600
. "$ROOT/tests/lib.sh"
need_go
go_env
[ -d "$GOPATH/src/github.com/libgit2/git2go/v34" ] ||
    skip "git2go not found in GOPATH=$GOPATH (Debian: golang-github-libgit2-git2go-v34-dev)"
bin=$(go_build tests/progs/git2go git2go) || exit 1
native=$("$bin") || fail "the git2go program fails natively"
expect_eq "$native" "repositories: 8" "native output"
need_cgoheap
for i in $(seq 20); do
    ch_run --error-exitcode=9 -- "$bin" >/dev/null
    expect_eq "$RC" 0 "exit status with --error-exitcode=9 (run $i)"
    expect_eq "$(summary definite "$WORK/report")" "0 0" "definitely lost (run $i)"
    expect_eq "$(summary indirect "$WORK/report")" "0 0" "indirectly lost (run $i)"
    expect_eq "$(summary possible "$WORK/report")" "0 0" "possibly lost (run $i)"
done
