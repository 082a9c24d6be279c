/*
 * minilaunch: a tiny launcher to test the agent on its own.
 *
 *   minilaunch [-a AGENT] [-s SAMPLE_RATE] [-o DUMP] [-p PID] [-d] -- PROGRAM [ARGS...]
 *
 * -p writes PID as the record's target pid instead of the child's (to test
 * that the agent stays passive in a process the record is not for).
 *
 * Creates the shared record, runs PROGRAM with the agent preloaded, waits,
 * and writes the record as text lines (to DUMP, else stdout):
 *   header KEY=VALUE...
 *   module START END BIAS PATH
 *   stack ID FLAGS DEPTH COUNT BYTES
 *   frame ID INDEX PC MODULE_PATH|- ELF_ADDRESS_OF(PC-1)
 *   live ADDR SIZE STACK_ID
 *   exit STATUS
 * Exits with the program's exit status (128+N for signal N).
 */
#include "common/shm_layout.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const ch_module_entry *module_of(const ch_shm_header *h, uint64_t pc)
{
    const ch_module_entry *m = (const void *)((const char *)h + h->modules_off);
    const ch_module_entry *best = NULL;
    for (uint32_t i = 0; i < h->n_modules; i++) /* later entries win: newer loads */
        if (pc >= m[i].start && pc < m[i].end)
            best = &m[i];
    return best;
}

/* The totals: the header's counters plus every thread's slot. */
static void sum_counters(const ch_shm_header *h, uint64_t sum[5])
{
    const ch_thread_slot *c = (const void *)((const char *)h + h->thread_slots_off);
    uint32_t n = h->n_thread_slots < CH_MAX_THREAD_SLOTS ? h->n_thread_slots : CH_MAX_THREAD_SLOTS;
    sum[0] = h->n_allocs;
    sum[1] = h->n_frees;
    sum[2] = h->n_events;
    sum[3] = h->bytes_alloc;
    sum[4] = h->n_dropped;
    for (uint32_t i = 0; i < n; i++) {
        sum[0] += c[i].n_allocs;
        sum[1] += c[i].n_frees;
        sum[2] += c[i].n_events;
        sum[3] += c[i].bytes_alloc;
        sum[4] += c[i].n_dropped;
    }
}

static void dump_header(FILE *f, const ch_shm_header *h)
{
    uint64_t sum[5];
    sum_counters(h, sum);
    fprintf(f,
            "header n_allocs=%" PRIu64 " n_frees=%" PRIu64 " n_events=%" PRIu64
            " bytes_alloc=%" PRIu64 " n_dropped=%" PRIu64 " agent_bytes=%" PRIu64
            " flags=%u unwind_mode=%u n_stacks=%" PRIu64 " n_modules=%u heap_used=%" PRIu64
            " frames_used=%" PRIu64 " fail=\"%s\"\n",
            sum[0], sum[1], sum[2], sum[3], sum[4], h->agent_bytes, h->agent_flags, h->unwind_mode,
            h->n_stacks, h->n_modules, h->heap_used, h->frames_used, h->fail_reason);
    const ch_module_entry *m = (const void *)((const char *)h + h->modules_off);
    for (uint32_t i = 0; i < h->n_modules; i++)
        fprintf(f, "module 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " %s\n", m[i].start, m[i].end,
                m[i].bias, m[i].path);
}

/* The counts of stack id: the shared stats plus every thread's pending entry for it. */
static ch_stack_stats stack_counts(const ch_shm_header *h, uint32_t id)
{
    const char *base = (const char *)h;
    ch_stack_stats st = ((const ch_stack_stats *)(base + h->stats_off))[id];
    const ch_thread_slot *c = (const void *)(base + h->thread_slots_off);
    uint32_t n = h->n_thread_slots < CH_MAX_THREAD_SLOTS ? h->n_thread_slots : CH_MAX_THREAD_SLOTS;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k < CH_PEND_SLOTS; k++) { /* a slot may have widened: anywhere */
            const ch_stack_pend *e = &c[i].pend[k];
            if (e->count && e->id == id) {
                st.alloc_count += e->count;
                st.alloc_bytes += e->bytes;
            }
        }
    }
    return st;
}

static void dump_stacks(FILE *f, const ch_shm_header *h)
{
    const char *base = (const char *)h;
    const ch_stack_entry *table = (const void *)(base + h->stacks_off);
    const uint64_t *frames = (const void *)(base + h->frames_off);
    for (uint32_t id = 0; id < h->stack_cap; id++) {
        if (!table[id].hash && id != 0)
            continue;
        ch_stack_stats st = stack_counts(h, id);
        if (id == 0 && !st.alloc_count)
            continue;
        fprintf(f, "stack %u %u %u %" PRIu64 " %" PRIu64 "\n", id, table[id].flags, table[id].depth,
                st.alloc_count, st.alloc_bytes);
        for (uint32_t i = 0; id && i < table[id].depth; i++) {
            uint64_t pc = frames[table[id].frames_off8 + i];
            const ch_module_entry *m = module_of(h, pc);
            fprintf(f, "frame %u %u 0x%" PRIx64 " %s 0x%" PRIx64 "\n", id, i, pc, m ? m->path : "-",
                    m ? pc - 1 - m->bias : pc - 1);
        }
    }
}

static void dump_live(FILE *f, const ch_shm_header *h)
{
    const char *base = (const char *)h;
    const ch_live_shard *shards = (const void *)(base + h->shards_off);
    for (uint32_t s = 0; s < CH_LIVE_SHARDS; s++) {
        if (!shards[s].table_end)
            continue;
        const ch_live_entry *t =
            (const ch_live_entry *)(base + shards[s].table_end) - shards[s].cap;
        uint64_t found = 0;
        for (uint64_t i = 0; i < shards[s].cap; i++) {
            if (!t[i].addr)
                continue;
            found++;
            fprintf(f, "live 0x%" PRIx64 " %" PRIu64 " %u\n", ch_entry_addr(&t[i]),
                    ch_entry_size(&t[i]), ch_entry_stack(&t[i]));
        }
        if (found != shards[s].count)
            fprintf(f, "error shard %u count %" PRIu64 " but %" PRIu64 " entries\n", s,
                    shards[s].count, found);
    }
    /* Young blocks, still in their thread's slot. */
    const ch_thread_slot *ts = (const void *)(base + h->thread_slots_off);
    uint32_t n = h->n_thread_slots < CH_MAX_THREAD_SLOTS ? h->n_thread_slots : CH_MAX_THREAD_SLOTS,
             young = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < CH_YOUNG_SLOTS; k++) {
            const ch_live_entry *e = &ts[i].bucket[k / 2].young[k % 2];
            if (!e->addr)
                continue;
            young++;
            fprintf(f, "live 0x%" PRIx64 " %" PRIu64 " %u\n", ch_entry_addr(e), ch_entry_size(e),
                    ch_entry_stack(e));
        }
    fprintf(f, "young %u\n", young);
}

int main(int argc, char **argv)
{
    const char *agent = getenv("CGOHEAP_AGENT");
    const char *out = NULL;
    uint64_t rate = 1;
    long force_pid = 0;
    int opt, damage = 0;
    while ((opt = getopt(argc, argv, "+a:s:o:p:d")) != -1) {
        if (opt == 'a')
            agent = optarg;
        else if (opt == 's')
            rate = strtoull(optarg, NULL, 10);
        else if (opt == 'o')
            out = optarg;
        else if (opt == 'p')
            force_pid = strtol(optarg, NULL, 10);
        else if (opt == 'd')
            damage = 1;
        else
            return 2;
    }
    if (optind >= argc || !agent) {
        fprintf(stderr, "usage: minilaunch -a AGENT [-s RATE] [-o DUMP] -- PROGRAM [ARGS...]\n");
        return 2;
    }
    ch_shm shm;
    if (ch_shm_create(&shm, rate, 1u << 16) != 0) {
        perror("minilaunch: shm");
        return 2;
    }
    if (damage)
        shm.hdr->thread_slots_off = 1ull << 46; /* page-aligned, far past the file */
    pid_t pid = fork();
    if (pid == 0) {
        char fdbuf[16];
        snprintf(fdbuf, sizeof fdbuf, "%d", shm.fd);
        shm.hdr->target_pid = force_pid ? (int32_t)force_pid : getpid(); /* shared mapping */
        setenv(CH_ENV_SHM_FD, fdbuf, 1);
        setenv("LD_PRELOAD", agent, 1);
        execvp(argv[optind], argv + optind);
        perror("minilaunch: exec");
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    const char *why = ch_shm_validate(shm.hdr, shm.size);
    if (why) { /* the header itself is in the file: its reason can be read */
        fprintf(stderr, "minilaunch: %s (agent: flags=%u fail=\"%.*s\")\n", why,
                shm.hdr->agent_flags, (int)sizeof shm.hdr->fail_reason, shm.hdr->fail_reason);
        return damage ? 3 : 2;
    }
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        perror("minilaunch: dump");
        return 2;
    }
    int code = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
    dump_header(f, shm.hdr);
    dump_stacks(f, shm.hdr);
    dump_live(f, shm.hdr);
    fprintf(f, "exit %d\n", code);
    if (out)
        fclose(f);
    return code;
}
