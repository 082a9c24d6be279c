/*
 * The agent's state in this process: whether it records (ch_state), where
 * the record is (ch_g), and whether its space ran out (ch_failed). Defined
 * in state.c; init.c decides and attaches, everything else reads.
 */
#ifndef CGOHEAP_AGENT_STATE_H
#define CGOHEAP_AGENT_STATE_H

#include "agent/agent.h"
#include "cgoheap/shm.h"

#include <stddef.h>
#include <stdint.h>

/* Life cycle of the agent in this process (ch_state). */
enum {
    CH_ST_UNINIT = 0,   /* nothing decided yet: pass everything through */
    CH_ST_INITIALIZING, /* one thread is attaching: others pass through */
    CH_ST_ACTIVE,       /* attached to the record: allocations are recorded */
    CH_ST_PASSIVE       /* no record, wrong pid, or a forked child: pass through forever */
};

/* Pointers into the shared record, fixed once ch_state becomes ACTIVE. */
typedef struct ch_agent {
    ch_shm_header *hdr;
    char *base; /* == hdr, as bytes: every shm offset is relative to it */
    ch_live_shard *shards;
    ch_stack_entry *stacks;
    ch_stack_stats *stats;
    uint64_t *frames;
    ch_module_entry *modules;
    uint32_t stack_mask;
    uint64_t sample_rate;
    int exact; /* CGOHEAP_UNWIND=exact: no rule cache */
    int pid;
    int fd;            /* the record's memfd, for children to close */
    uint64_t size;     /* bytes mapped at hdr */
    uint64_t dev, ino; /* fd's identity: the program may reuse the number */
} ch_agent;

extern ch_agent ch_g;

/*
 * The state has a page of its own, which the kernel zeroes (UNINIT) in a
 * child made without CLONE_VM (init.c): such a child then decides again.
 */
typedef union ch_state_page {
    int state; /* CH_ST_*, read with acquire loads on the hot path (a plain load on x86-64) */
    char page[4096];
} ch_state_page;
extern ch_state_page ch_state_pg;
#define ch_state (ch_state_pg.state)
extern int ch_failed; /* shm heap exhausted: record no new blocks, still remove freed ones */

/* Decides (once) whether this process records (init.c). Returns 1 if ACTIVE now. */
int ch_init_lazy(void);

/* True if calls should be recorded. Cheap once settled: one acquire load (plain on x86-64). */
static inline int ch_is_active(void)
{
    int s = __atomic_load_n(&ch_state, __ATOMIC_ACQUIRE);
    if (CH_LIKELY(s == CH_ST_ACTIVE))
        return 1;
    if (s == CH_ST_UNINIT)
        return ch_init_lazy();
    return 0;
}

/* Marks the agent failed (once) with a one-line reason; recording of new blocks stops. */
void ch_fail(const char *reason);
/* Writes a failure and its reason into the record at h (where the launcher reads them). */
void ch_fail_record(ch_shm_header *h, const char *reason);

#endif
