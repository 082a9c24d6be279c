#include "agent/marks.h"
#include "agent/state.h"

void ch_mark(uint64_t sp, unsigned type)
{
    ch_shm_header *h = ch_g.hdr;
    uint32_t i = __atomic_fetch_add(&h->n_marks, 1, __ATOMIC_RELAXED);
    if (i < CH_MAX_MARKS)
        __atomic_store_n((uint64_t *)(ch_g.base + h->marks_off) + i, CH_MARK_SP(sp) | type,
                         __ATOMIC_RELEASE);
}
