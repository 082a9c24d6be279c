#!/bin/sh
# The test command (README, CI): installs dependencies, builds with
# -Werror and the CLI under ASan/UBSan, then runs the whole suite.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
make clean
make SAN=1 -j2
exec tests/run "$@"
