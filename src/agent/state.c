/* The agent's state; see state.h. */
#include "agent/state.h"

#include <string.h>

ch_agent ch_g = {.fd = -1};
ch_state_page ch_state_pg __attribute__((aligned(4096)));
int ch_failed;

void ch_fail(const char *reason)
{
    if (__atomic_exchange_n(&ch_failed, 1, __ATOMIC_RELAXED))
        return;
    ch_fail_record(ch_g.hdr, reason);
}

void ch_fail_record(ch_shm_header *h, const char *reason)
{
    strncpy(h->fail_reason, reason, sizeof h->fail_reason - 1);
    __atomic_fetch_or(&h->agent_flags, CH_AGENT_FAILED, __ATOMIC_RELEASE);
}
