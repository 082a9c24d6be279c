/*
 * A stand-in for the agent, so the launcher can be tested on its own: it
 * maps the record from CGOHEAP_SHM_FD and exports fake_track(addr, size),
 * which the test target calls for each block it wants reported (stack id 1).
 */
#include "cgoheap/shm.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static ch_shm_header *hdr;
static uint64_t frame = 0x401000;

__attribute__((constructor)) static void attach(void)
{
    const char *fd = getenv(CH_ENV_SHM_FD);
    if (!fd)
        return;
    ch_shm_header h;
    if (pread(atoi(fd), &h, sizeof h, 0) != (ssize_t)sizeof h || h.target_pid != getpid())
        return;
    hdr = mmap(NULL, h.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, atoi(fd), 0);
    if (hdr == MAP_FAILED) {
        hdr = NULL;
        return;
    }
    ch_live_shard *s = (ch_live_shard *)((char *)hdr + hdr->shards_off);
    s->cap = CH_LIVE_MIN_CAP;
    s->table_end = hdr->heap_off + CH_LIVE_MIN_CAP * sizeof(ch_live_entry);
    ch_stack_entry *entry = (ch_stack_entry *)((char *)hdr + hdr->stacks_off) + 1;
    *(uint64_t *)((char *)hdr + hdr->frames_off) = frame;
    entry->depth = 1;
    entry->hash = 0x1234;
    hdr->n_stacks = 1; /* ids are dense: 1..n_stacks */
    hdr->agent_flags = CH_AGENT_ATTACHED;
}

void fake_track(void *p, uint64_t size)
{
    if (!hdr)
        return;
    ch_live_shard *s = (ch_live_shard *)((char *)hdr + hdr->shards_off);
    ch_live_entry *t = (ch_live_entry *)((char *)hdr + s->table_end) - s->cap;
    t[s->count].addr = (uint64_t)(uintptr_t)p;
    t[s->count].size_stack = ch_pack_size_stack(size, 1);
    s->count++;
    hdr->n_allocs++;
}
