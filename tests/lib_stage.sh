# shellcheck shell=sh
# Helpers for the stage suites (tests/<stage>/run.sh), sourced once ROOT is set.
# The suites test the build: `make` (or `make SAN=1`) links their drivers with
# the CLI's own objects (build/lib/libcgoheap-cli.a) into build/tests/STAGE/.
#   CGOHEAP_BUILD  the build directory (default ROOT/build)

CGOHEAP_BUILD=${CGOHEAP_BUILD:-$ROOT/build}
TB=$CGOHEAP_BUILD/tests

# need_bins STAGE NAME...: exits 1, saying so, when a driver is not built.
need_bins() {
    nb_stage=$1
    shift
    for nb in "$@"; do
        if [ ! -x "$TB/$nb_stage/$nb" ]; then
            echo "FAIL $nb_stage/build: $TB/$nb_stage/$nb is not built (run make)"
            exit 1
        fi
    done
}

# run NAME COMMAND...: PASS (with the output's last line) or FAIL (with all of
# it) as "$SUITE/NAME"; a failure adds one to $fails.
fails=0
run() {
    run_name=$1
    shift
    if run_out=$("$@" 2>&1); then
        echo "PASS $SUITE/$run_name${run_out:+: $(echo "$run_out" | tail -n 1)}"
    else
        echo "FAIL $SUITE/$run_name: $(echo "$run_out" | grep -m1 .)"
        echo "$run_out" | sed 's/^/    /'
        fails=$((fails + 1))
    fi
}
