#!/bin/sh
# The demo: the four experiments of the seed write-up on cgo memory, each run
# under cgoheap with Go 1.23 (or $GO). Run `make demo` after installing deps.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-/usr/lib/go-1.23/bin/go}
out=build/demo
mkdir -p "$out"
export GO111MODULE=off GOFLAGS=-buildvcs=false GOCACHE="$PWD/$out/gocache" CGO_ENABLED=1
for d in demo/seed1 demo/seed2 demo/seed3 demo/seed4; do
    name=$(basename "$d")
    "$GO" build -o "$out/$name" "./$d"
    printf '\n######## %s: %s\n' "$name" "$(sed -n 's,^// Demo: ,,p' "$d/main.go")"
    build/bin/cgoheap run --pprof="$out/$name.pb.gz" -- "$out/$name" || true
done
printf '\nProfiles for go tool pprof are in %s/*.pb.gz\n' "$out"
