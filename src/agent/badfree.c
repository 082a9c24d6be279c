/*
 * Invalid frees (badfree.h): the check after ch_on_free found no block,
 * and the record of a bad one. This is the error path: it may look into
 * every thread slot and walk the stack; glibc usually aborts right after.
 */
#include "agent/badfree.h"
#include "agent/created.h"
#include "agent/next.h"
#include "agent/stacks.h"
#include "agent/thread_slot.h"

#include <errno.h>

uint64_t ch_drops;

/* The recent free of addr in any thread slot, or NULL. */
static const ch_freed *find_freed(uint64_t addr)
{
    uint32_t n = __atomic_load_n(&ch_g.hdr->n_thread_slots, __ATOMIC_RELAXED);
    if (n > CH_MAX_THREAD_SLOTS)
        n = CH_MAX_THREAD_SLOTS;
    uint64_t drops = __atomic_load_n(&ch_drops, __ATOMIC_RELAXED);
    uint32_t b = CH_YOUNG_INDEX(addr) >> 1;
    for (uint32_t i = 0; i < n; i++) {
        /* Where a small slot put it, or a wide one (a slot may have widened since). */
        const ch_thread_slot *s = ch_thread_slot_at(i);
        const ch_freed *f = &s->bucket[b & (CH_SLOT_SMALL - 1)].freed;
        int wide = __atomic_load_n(&s->bucket_mask, __ATOMIC_RELAXED) == CH_SLOT_BUCKETS - 1;
        for (int k = 0; k < 1 + wide; k++, f = &s->bucket[b].freed)
            if (__atomic_load_n(&f->addr, __ATOMIC_RELAXED) == addr && f->drops == drops)
                return f;
    }
    return NULL;
}

/* A one-frame stack: all that is kept of the first free. */
static uint32_t pc_stack(uint64_t pc)
{
    return pc ? ch_stack_intern(&pc, 1, 0, ch_stack_hash(&pc, 1, 0)) : 0;
}

void ch_check_bad_free(void *p, const ch_regs *r, unsigned how)
{
    ch_thread *t = &ch_self;
    uint64_t addr = (uint64_t)p;
    if (!p || t->inside || ch_g.sample_rate > 1 || __atomic_load_n(&ch_failed, __ATOMIC_RELAXED))
        return;
    ch_bad_free rec = {.addr = addr};
    const ch_freed *f = NULL;
    if ((addr & 15) && !ch_next_foreign())
        rec.kind = CH_BAD_MISALIGNED;
    else if ((f = find_freed(addr)))
        rec.kind = CH_BAD_DOUBLE;
    else
        return;
    int saved_errno = errno;
    t->inside = 1;
    if (f) {
        ch_live_entry e = {.addr = addr, .size_stack = f->size_stack};
        rec.size = ch_entry_size(&e);
        rec.alloc_stack = ch_entry_stack(&e);
        rec.free_stack = pc_stack(f->free_pc);
    }
    rec.stack = ch_stack_of(t, r);
    rec.kind |= how;
    uint32_t i = __atomic_fetch_add(&ch_g.hdr->n_bad_frees, 1, __ATOMIC_RELAXED);
    if (i < CH_MAX_BAD_FREES) {
        ch_bad_free *out = &ch_g.hdr->bad_frees[i];
        uint32_t kind = rec.kind;
        rec.kind = 0;
        *out = rec;
        __atomic_store_n(&out->kind, kind, __ATOMIC_RELEASE); /* the slot is whole */
    }
    t->inside = 0;
    errno = saved_errno;
}
