#!/bin/sh
# The demo: the four experiments of the write-up on cgo memory that started
# the project, each run under cgoheap with Go 1.23 (or $GO). Run `make demo`
# after installing the dependencies (scripts/install-deps.sh).
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-/usr/lib/go-1.23/bin/go}
out=build/demo
mkdir -p "$out"
export GO111MODULE=off GOFLAGS=-buildvcs=false GOCACHE="$PWD/$out/gocache" CGO_ENABLED=1
for name in seed1 seed2 seed3 seed4; do
    "$GO" build -o "$out/$name" "./demo/$name"
    printf '\n######## %s: %s\n' "$name" "$(sed -n 's,^// Demo: ,,p' "demo/$name/main.go")"
    build/bin/cgoheap run --pprof="$out/$name.pb.gz" -- "$out/$name" || true
done

printf '\n######## seed4: what each heap profile sees (go tool pprof -top, in use at exit)\n'
printf -- '--- Go'"'"'s own heap profile (runtime/pprof): no C memory in it\n'
"$GO" tool pprof -top -sample_index=inuse_space "$out/seed4-go-heap.pb.gz" 2>/dev/null | sed -n '1,8p'
printf -- '--- cgoheap --pprof: the C.CString and the 128 MiB malloc, with their Go callers\n'
"$GO" tool pprof -top -sample_index=inuse_space "$out/seed4.pb.gz" 2>/dev/null | sed -n '1,12p'
printf '\nProfiles for go tool pprof are in %s/*.pb.gz\n' "$out"
