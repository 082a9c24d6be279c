/*
 * Stack table: open addressing over stack_cap slots, slot index = stack id.
 *
 * Lookups are lock-free: a slot is immutable once its hash is published
 * (release store after frames/depth/flags are written), so a reader that
 * loads a non-zero hash with acquire sees the whole slot. Inserts serialise
 * on stack_lock and probe again under it, so a stack is never inserted twice.
 * Slot 0 is never used: id 0 means "no stack". Hash 0 means an empty slot.
 */
#include "agent/stacks.h"
#include "agent/agent.h"
#include "agent/spin.h"

#include <string.h>

uint32_t ch_stack_keys[2 * CH_MAX_FRAMES];

/* splitmix64: fixed keys, so a stack hashes the same in every run. */
void ch_stack_keys_setup(void)
{
    uint64_t x = 0x243f6a8885a308d3ull;
    for (uint32_t i = 0; i < 2 * CH_MAX_FRAMES; i++) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        ch_stack_keys[i] = (uint32_t)(z ^ (z >> 31));
    }
}

static int same_stack(const ch_stack_slot *s, const uint64_t *f, uint32_t depth, uint16_t flags)
{
    return s->depth == depth && s->flags == flags &&
           !memcmp(ch_g.frames + s->frames_off8, f, depth * sizeof *f);
}

/*
 * Probes for the stack. Returns its id, or 0 with *empty set to the first
 * empty slot seen (0 if the table has none).
 */
static uint32_t probe(uint64_t h, const uint64_t *f, uint32_t depth, uint16_t flags,
                      uint32_t *empty)
{
    uint32_t mask = ch_g.stack_mask;
    *empty = 0;
    for (uint32_t n = 0, i = (uint32_t)h & mask; n <= mask; n++, i = (i + 1) & mask) {
        if (i == 0)
            continue;
        uint64_t sh = __atomic_load_n(&ch_g.slots[i].hash, __ATOMIC_ACQUIRE);
        if (sh == 0) {
            *empty = i;
            return 0;
        }
        if (sh == h && same_stack(&ch_g.slots[i], f, depth, flags))
            return i;
    }
    return 0;
}

static uint32_t insert_locked(uint64_t h, const uint64_t *f, uint32_t depth, uint16_t flags)
{
    ch_shm_header *hd = ch_g.hdr;
    uint32_t slot;
    uint32_t id = probe(h, f, depth, flags, &slot);
    if (id)
        return id; /* another thread inserted it meanwhile */
    uint64_t bytes = (uint64_t)depth * sizeof *f;
    /* Stay below 7/8 full: probe chains of a nearly full table get long. */
    if (!slot || hd->n_stacks + 1 > (uint64_t)ch_g.stack_mask - ch_g.stack_mask / 8 ||
        bytes > hd->frames_size - hd->frames_used)
        return 0;
    ch_stack_slot *s = &ch_g.slots[slot];
    memcpy(ch_g.frames + hd->frames_used / 8, f, bytes);
    s->frames_off8 = (uint32_t)(hd->frames_used / 8);
    s->depth = (uint16_t)depth;
    s->flags = flags;
    __atomic_store_n(&hd->frames_used, hd->frames_used + bytes, __ATOMIC_RELAXED);
    __atomic_store_n(&hd->n_stacks, hd->n_stacks + 1, __ATOMIC_RELAXED);
    ch_count(&hd->agent_bytes, bytes);
    __atomic_store_n(&s->hash, h, __ATOMIC_RELEASE); /* publishes the slot */
    return slot;
}

uint32_t ch_stack_intern(const uint64_t *f, uint32_t depth, uint16_t flags, uint64_t h)
{
    uint32_t empty;
    uint32_t id = probe(h, f, depth, flags, &empty);
    if (id)
        return id;
    ch_spin_lock(&ch_g.hdr->stack_lock);
    id = insert_locked(h, f, depth, flags);
    ch_spin_unlock(&ch_g.hdr->stack_lock);
    return id;
}
