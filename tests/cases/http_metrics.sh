# shellcheck shell=bash
# --http's /metrics: Prometheus text that promtool accepts, with the C heap
# in use, allocations, frees and the program's RSS as they change; a real
# Prometheus server scrapes it and answers a query for the C heap in use.
# timeout: 180
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/lib_http.sh"
live_build
command -v promtool >/dev/null || skip "promtool not installed (Debian prometheus)"

# metric FILE NAME -> its value
metric() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }

live_start --http=127.0.0.1:0
fetch metrics "$WORK/m0"
live_cmd "keep 100 10000"
fetch metrics "$WORK/m1"
for f in m0 m1; do
    promtool check metrics <"$WORK/$f" >"$WORK/$f.lint" 2>&1 || {
        show "$WORK/$f.lint"
        fail "promtool check metrics rejects /metrics"
    }
done
in0=$(metric "$WORK/m0" cgoheap_heap_inuse_bytes)
in1=$(metric "$WORK/m1" cgoheap_heap_inuse_bytes)
expect_eq "$((in1 - in0))" 1000000 "heap in use grew by the 100 blocks of 10000 B kept"
expect_eq "$(($(metric "$WORK/m1" cgoheap_heap_inuse_blocks) - $(metric "$WORK/m0" cgoheap_heap_inuse_blocks)))" \
    100 "blocks in use"
a0=$(metric "$WORK/m0" cgoheap_allocs_total)
a1=$(metric "$WORK/m1" cgoheap_allocs_total)
[ "$((a1 - a0))" -ge 2148 ] || fail "allocations: $a0 -> $a1 (100 kept + 2048 settling)"
f1=$(metric "$WORK/m1" cgoheap_frees_total)
[ "$f1" -ge 2048 ] || fail "frees: $f1"
[ "$(metric "$WORK/m1" cgoheap_process_resident_memory_bytes)" -gt 1000000 ] || fail "no RSS"
[ "$(metric "$WORK/m1" cgoheap_agent_bytes)" -gt 0 ] || fail "no agent memory"
expect_eq "$(metric "$WORK/m1" cgoheap_sample_rate_bytes)" 1 "sampling rate"

# A real Prometheus server, on a free port (tried until one is).
target=${URL#http://}
cat >"$WORK/prom.yml" <<CONF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: cgoheap
    static_configs:
      - targets: ['$target']
CONF
promtool check config "$WORK/prom.yml" >/dev/null || fail "bad test config"
ready() { curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null; }
up() { kill -0 "$prom" 2>/dev/null; }
started=0
for try in 1 2 3 4 5; do
    pport=$((20000 + (RANDOM * 7 + try) % 40000))
    prometheus --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/tsdb$try" \
        --web.listen-address=127.0.0.1:$pport >"$WORK/prom.log" 2>&1 &
    prom=$!
    for i in $(seq 200); do
        ready && break
        up || break
        sleep 0.1
    done
    if ready; then
        started=1
        break
    fi
    kill "$prom" 2>/dev/null
    wait "$prom" 2>/dev/null
done
[ "$started" = 1 ] || {
    show "$WORK/prom.log"
    fail "prometheus did not start"
}
# The answer's value, at least what /metrics said (the Go runtime may start a thread meanwhile).
answered() {
    curl -sf "http://127.0.0.1:$pport/api/v1/query?query=cgoheap_heap_inuse_bytes" >"$WORK/q" ||
        return 1
    v=$(sed -n 's/.*"value":\[[0-9.]*,"\([0-9]*\)"\].*/\1/p' "$WORK/q")
    [ -n "$v" ] && [ "$v" -ge "$in1" ]
}
wait_for answered || {
    show "$WORK/q"
    kill "$prom"
    fail "prometheus does not answer the C heap in use ($in1)"
}
kill "$prom"
wait "$prom" 2>/dev/null
live_exit 0
expect_eq "$RC" 0 "exit status"
