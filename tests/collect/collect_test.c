/*
 * Drives ch_collect_run like the CLI does and prints one summary line:
 *   status=N scanned=0|1 blocks=N definite=N indirect=N possible=N reachable=N unfreed=N
 *   notice=...
 * or "error: ..." (exit 1).
 * Usage: collect_test AGENT [--no-scan] [--trace-main] PROGRAM [ARGS...]
 */
#include "collect/collect.h"

#include <stdio.h>
#include <string.h>

/* The roots and scan stage at the exit stop, as the CLI composes it. */
static void scan_stage(void *ctx, const ch_stopped_target *t, ch_profile *p)
{
    (void)ctx;
    const ch_scan_opts o = {0};
    ch_scan_stopped(t, p, &o);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: collect_test AGENT [--no-scan] [--trace-main] PROGRAM [ARGS...]\n");
        return 2;
    }
    int first = 2;
    ch_run_opts o = {.agent_path = argv[1], .sample_rate = 1, .scan = true};
    for (; argv[first] && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "--no-scan"))
            o.scan = false;
        else if (!strcmp(argv[first], "--trace-main"))
            o.trace_threads = CH_TRACE_MAIN;
        else
            break;
    }
    if (!argv[first]) {
        fprintf(stderr, "collect_test: no program\n");
        return 2;
    }
    o.argv = argv + first;
    o.on_stopped = scan_stage;
    ch_profile p;
    char err[512] = "";
    if (ch_collect_run(&o, &p, err, sizeof err)) {
        printf("error: %s\n", err);
        ch_profile_free(&p);
        return 1;
    }
    size_t k[CH_KIND_COUNT] = {0};
    for (size_t i = 0; i < p.nblocks; i++)
        k[p.blocks[i].kind]++;
    printf("status=%d scanned=%d blocks=%zu definite=%zu indirect=%zu possible=%zu reachable=%zu "
           "unfreed=%zu stacks=%zu pid_ok=%d notice=%s\n",
           ch_exit_status(&p.exit), p.scanned, p.nblocks, k[CH_KIND_DEFINITE], k[CH_KIND_INDIRECT],
           k[CH_KIND_POSSIBLE], k[CH_KIND_REACHABLE], k[CH_KIND_UNFREED], p.nstacks, p.pid > 0,
           p.scan_notice);
    ch_profile_free(&p);
    return 0;
}
