/*
 * Stack table: stack ids are dense, handed out in order (1, 2, 3...), and
 * entry i of the shared table holds stack i, so the table and its parallel
 * stats grow page by page at their start. A hash index maps a stack to its
 * id; it lives in the agent's own memory (the launcher reads the entries by
 * id and never needs it), starts small and doubles at half load.
 *
 * Why: ids that were hash slots spread over a 4M-slot table made every new
 * stack fault two random pages in the target (entry and stats) and in the
 * launcher, 8 KiB of memory per stack and 34% of the samples of a program
 * with many stacks.
 *
 * An index entry holds what a lookup compares: the whole hash, the depth
 * and where the frames are, so a lookup touches the index line and the
 * frames, never the table entry. With the entry in between, a lookup was three
 * dependent cache misses on a program with many stacks (stacks2t: 49k
 * stacks, 9.5 MB of frames): probe and memcmp took 37% of its samples.
 * Flags are not compared: they are mixed into the hash, and for equal
 * frames and depth the hash is a bijection of them.
 *
 * Lookups are lock-free: an index entry is published with a release store
 * of its hash after its other fields and the table entry it names are complete,
 * so a reader that loads a non-zero hash with acquire sees them. Inserts serialise on
 * stack_lock and probe again under it, so a stack is never inserted twice.
 * A grown index replaces the old one under the lock; the old one stays
 * mapped (a reader may still be probing it; a stack it misses is found
 * again under the lock), so the indexes cost at most twice the last one.
 * Id 0 means "no stack". Entry 0 means an empty index slot.
 */
#include "agent/stacks.h"
#include "agent/modules.h"
#include "agent/spin.h"
#include "agent/state.h"

#include <string.h>
#include <sys/mman.h>

uint64_t ch_stack_keys[CH_MAX_FRAMES];

/* splitmix64: fixed keys, so a stack hashes the same in every run. */
void ch_stack_keys_setup(void)
{
    uint64_t x = 0x243f6a8885a308d3ull;
    for (uint32_t i = 0; i < CH_MAX_FRAMES; i++) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        ch_stack_keys[i] = z ^ (z >> 31);
    }
}

/*
 * An index entry: 16 bytes, four to a line. hash 0: empty. The stack id
 * takes the low CH_STACK_ID_BITS of id_depth, its depth (<= CH_MAX_FRAMES)
 * the high 8.
 */
typedef struct index_entry {
    uint64_t hash;
    uint32_t frames_off8;
    uint32_t id_depth;
} index_entry;
_Static_assert(CH_STACK_ID_BITS + 8 <= 32 && CH_MAX_FRAMES < 256, "id and depth share 32 bits");

typedef struct stack_index {
    index_entry *e;
    uint32_t mask;
} stack_index;

/*
 * The indexes' headers sit here, next to cur_index, not at the start of
 * their mappings: a lookup then misses on its entry's line only, not on a
 * header line its walk pushed out of L1 (0.7 misses per lookup more under
 * callgrind's cache simulation, tests/agent/run.sh stack_lookup_lines).
 * Index n has FIRST_INDEX << n entries; the last one holds 2^32 entries.
 */
#define FIRST_INDEX 2048u /* 32 KiB of .bss, touched only as stacks arrive */
#define MAX_INDEXES 22u
static index_entry first_entries[FIRST_INDEX];
static stack_index indexes[MAX_INDEXES] = {{first_entries, FIRST_INDEX - 1}};
static stack_index *cur_index = &indexes[0]; /* replaced under stack_lock */

static uint32_t id_depth_of(uint32_t id, uint32_t depth)
{
    return depth << CH_STACK_ID_BITS | id;
}

/*
 * Probes ix for the stack. Returns its id, or 0 with *empty set to the
 * index of the first empty entry seen (UINT32_MAX if the index has none).
 */
static uint32_t probe(const stack_index *ix, uint64_t h, const uint64_t *f, uint32_t depth,
                      uint32_t *empty)
{
    uint32_t mask = ix->mask;
    *empty = UINT32_MAX;
    for (uint32_t n = 0, i = (uint32_t)h & mask; n <= mask; n++, i = (i + 1) & mask) {
        const index_entry *e = &ix->e[i];
        uint64_t eh = __atomic_load_n(&e->hash, __ATOMIC_ACQUIRE);
        if (eh == 0) {
            *empty = i;
            return 0;
        }
        if (eh == h && e->id_depth >> CH_STACK_ID_BITS == depth &&
            !memcmp(ch_g.frames + e->frames_off8, f, depth * sizeof *f))
            return e->id_depth & CH_STACK_ID_MASK;
    }
    return 0;
}

/* Under stack_lock: an index twice the size holding old's entries. NULL if no memory. */
static stack_index *grow_index(const stack_index *old)
{
    if (old == &indexes[MAX_INDEXES - 1])
        return NULL;
    uint64_t cap = 2 * ((uint64_t)old->mask + 1);
    void *m = mmap(NULL, cap * sizeof(index_entry), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    stack_index *ix = &indexes[old - indexes + 1];
    ix->e = m;
    ix->mask = (uint32_t)(cap - 1);
    for (uint64_t k = 0; k <= old->mask; k++) {
        if (!old->e[k].hash)
            continue;
        uint32_t i = (uint32_t)old->e[k].hash & ix->mask;
        while (ix->e[i].hash)
            i = (i + 1) & ix->mask;
        ix->e[i] = old->e[k];
    }
    return ix;
}

static uint32_t insert_locked(uint64_t h, const uint64_t *f, uint32_t depth, uint16_t flags)
{
    ch_shm_header *hd = ch_g.hdr;
    stack_index *ix = cur_index;
    uint32_t empty;
    uint32_t id = probe(ix, h, f, depth, &empty);
    if (id)
        return id; /* another thread inserted it meanwhile */
    uint64_t n = hd->n_stacks, bytes = (uint64_t)depth * sizeof *f;
    if (n + 1 > ch_g.stack_mask || bytes > hd->frames_size - hd->frames_used)
        return 0; /* the shared table is full */
    if (n + 1 > (ix->mask + 1) / 2) {
        stack_index *bigger = grow_index(ix);
        if (bigger) {
            __atomic_store_n(&cur_index, bigger, __ATOMIC_RELEASE);
            ix = bigger;
            probe(ix, h, f, depth, &empty);
        } else if (n + 1 > (uint64_t)ix->mask - ix->mask / 8) {
            return 0; /* no memory to grow: stay below 7/8 full, where probe chains stay short */
        }
    }
    if (empty == UINT32_MAX)
        return 0;
    id = (uint32_t)n + 1;
    ch_stack_entry *s = &ch_g.stacks[id];
    memcpy(ch_g.frames + hd->frames_used / 8, f, bytes);
    s->frames_off8 = (uint32_t)(hd->frames_used / 8);
    s->depth = (uint16_t)depth;
    s->flags = flags;
    __atomic_store_n(&hd->frames_used, hd->frames_used + bytes, __ATOMIC_RELAXED);
    ch_header_add(&hd->agent_bytes, bytes);
    __atomic_store_n(&s->hash, h, __ATOMIC_RELEASE); /* the entry is complete */
    __atomic_store_n(&hd->n_stacks, n + 1, __ATOMIC_RELEASE);
    ix->e[empty].frames_off8 = s->frames_off8;
    ix->e[empty].id_depth = id_depth_of(id, depth);
    __atomic_store_n(&ix->e[empty].hash, h, __ATOMIC_RELEASE); /* publishes it */
    return id;
}

uint32_t ch_stack_intern(const uint64_t *f, uint32_t depth, uint16_t flags, uint64_t h)
{
    h = ch_modules_stack_hash(f, depth, h); /* pcs where a module was unloaded: not the same */
    uint32_t empty;
    uint32_t id = probe(__atomic_load_n(&cur_index, __ATOMIC_ACQUIRE), h, f, depth, &empty);
    if (id)
        return id;
    ch_spin_lock(&ch_g.hdr->stack_lock);
    id = insert_locked(h, f, depth, flags);
    ch_spin_unlock(&ch_g.hdr->stack_lock);
    return id;
}
