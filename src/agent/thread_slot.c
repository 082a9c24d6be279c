/*
 * Thread slots: claimed by a thread on its first recorded call, handed
 * back when it ends (thread.c's key destructor, after its young blocks
 * moved to the shards), reused by later threads.
 * Released slots form a stack of indices in agent-private memory; a
 * spinlock guards it (taken once per thread start and end, never per call).
 */
#include "agent/thread_slot.h"
#include "agent/live.h"
#include "agent/spin.h"

enum { SLOT_NONE = 0, SLOT_OWNED, SLOT_GIVEN_UP };

static uint32_t free_lock;
static uint32_t free_top;
static uint32_t free_slots[CH_MAX_THREAD_SLOTS];

ch_thread_slot *ch_thread_slot_claim(ch_thread *t)
{
    if (t->thread_slot_state != SLOT_NONE || !ch_thread_register(t))
        return NULL;
    uint32_t i = CH_MAX_THREAD_SLOTS;
    ch_spin_lock(&free_lock);
    if (free_top)
        i = free_slots[--free_top];
    ch_spin_unlock(&free_lock);
    int fresh = i == CH_MAX_THREAD_SLOTS;
    if (fresh)
        i = __atomic_fetch_add(&ch_g.hdr->n_thread_slots, 1, __ATOMIC_RELAXED);
    if (i >= CH_MAX_THREAD_SLOTS) {
        t->thread_slot_state = SLOT_GIVEN_UP; /* the header's counters from now on */
        return NULL;
    }
    t->thread_slot_state = SLOT_OWNED;
    t->thread_slot = ch_thread_slot_at(i);
    if (fresh) { /* small (shm.h); a reused slot stays as its last thread left it */
        t->thread_slot->bucket_mask = CH_SLOT_SMALL - 1;
        t->thread_slot->pend_or = CH_PEND_SMALL_AT;
    }
    return t->thread_slot;
}

void ch_thread_slot_release(ch_thread *t)
{
    if (t->thread_slot_state != SLOT_OWNED)
        return;
    uint32_t i = (uint32_t)(t->thread_slot - ch_thread_slot_at(0));
    ch_live_flush_young(t->thread_slot);
    t->thread_slot = NULL;
    /* Whatever this thread still does on its way out goes to the header. */
    t->thread_slot_state = SLOT_GIVEN_UP;
    ch_spin_lock(&free_lock);
    free_slots[free_top++] = i;
    ch_spin_unlock(&free_lock);
}

static void add_stats(uint32_t id, uint64_t count, uint64_t bytes)
{
    ch_stack_stats *st = &ch_g.stats[id];
    __atomic_fetch_add(&st->alloc_count, count, __ATOMIC_RELAXED);
    __atomic_fetch_add(&st->alloc_bytes, bytes, __ATOMIC_RELAXED);
}

/*
 * The entry's old stack goes to the shared stats, then the entry is the
 * new stack's. A death between the add and the entry's new id would count
 * the old run twice: the stores follow the add at once.
 */
void ch_stack_count_slow(ch_thread_slot *slot, uint32_t id, uint64_t size)
{
    if (!slot) {
        add_stats(id, 1, size);
        return;
    }
    ch_stack_pend *e = ch_pend_entry(slot, id);
    if (e->count)
        add_stats(e->id, e->count, e->bytes);
    e->id = id;
    e->count = 1;
    e->bytes = size;
}

/* Only the entries in use: the others' pages of the record stay untouched. */
void ch_stack_flush(ch_thread_slot *slot)
{
    for (uint32_t i = slot ? slot->pend_or & (CH_PEND_SLOTS - 1) : CH_PEND_SLOTS; i < CH_PEND_SLOTS;
         i++) {
        ch_stack_pend *e = &slot->pend[i];
        if (e->count) {
            add_stats(e->id, e->count, e->bytes);
            e->count = 0;
            e->bytes = 0;
        }
    }
}
