#!/bin/sh
# Installs everything cgoheap needs to build, test and benchmark on Debian 12.
# Run as root. Safe to run again.
set -eu
export DEBIAN_FRONTEND=noninteractive
backports=/etc/apt/sources.list.d/bookworm-backports.list
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' > "$backports"
fi
apt-get update -q
apt-get install -y -q --no-install-recommends \
    build-essential cmake pkg-config git ca-certificates \
    libdw-dev libelf-dev zlib1g-dev libbz2-dev liblzma-dev elfutils binutils \
    golang-1.19-go \
    golang-github-mattn-go-sqlite3-dev libsqlite3-dev \
    golang-github-libgit2-git2go-v34-dev golang-golang-x-crypto-dev libgit2-dev \
    valgrind heaptrack time gawk \
    libjemalloc-dev libgoogle-perftools-dev \
    libmicrohttpd-dev prometheus golang-github-google-pprof-dev curl wrk
apt-get install -y -q --no-install-recommends -t bookworm-backports golang-1.23-go
