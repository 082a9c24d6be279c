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
 * An index entry holds what a lookup compares: the stack hash and a second,
 * independent hash of the frames (the check, below), so a lookup touches one
 * index line and never the stored frames, which only an insert writes. When a
 * lookup compared the frames, stacks2t (32k stacks of 10-24 frames, 6.8 MB
 * of frames) missed the last level 3.2 times per allocation in that memcmp,
 * half of all its misses (callgrind, 1 MiB last level), and memcmp took 23%
 * of the run's samples.
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
static uint64_t check_keys[CH_MAX_FRAMES + 1];

/* splitmix64 from a fixed seed: a stack hashes the same in every run. */
static void fill_keys(uint64_t *k, uint32_t n, uint64_t x, uint64_t set)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        k[i] = (z ^ (z >> 31)) | set;
    }
}

void ch_stack_keys_setup(void)
{
    fill_keys(ch_stack_keys, CH_MAX_FRAMES, 0x243f6a8885a308d3ull, 0);
    fill_keys(check_keys, CH_MAX_FRAMES + 1, 0x13198a2e03707344ull, 1ull << 63);
}

/*
 * The check: a hash of the frames independent of the stack hash, computed
 * over the frames the walk just wrote (in L1). Frames 2i and 2i + 1 (a
 * missing last one is 0) with their positions' keys a, b become the two
 * halves of the 128-bit product (f[2i] ^ a) * (f[2i + 1] ^ b), xored
 * (wyhash's mix: not linear in the frames, unlike the stack hash's terms);
 * the terms are summed and the sum mixed with the depth. A key has its top
 * bit set and a return address has not, so no factor is 0. One multiply
 * per two frames, the pairs independent: about 5 instructions per frame,
 * where a multiply per frame took 11 (callgrind, C churn).
 *
 * A lookup takes a stack for an indexed one when the hash and the check's
 * top CHECK_BITS bits match. Taking each term as a random function of its
 * frames, two different stacks (or one stack at two depths) get equal
 * checks with probability 2^-CHECK_BITS whatever their hashes, so a false
 * match needs that and the hash's own collision (stacks.h: at most
 * 2^(v-64), v a few): below 2^-100 per pair of stacks for v <= 4, which
 * the keys, fixed, make the same in every run.
 */
#define CHECK_BITS (64u - CH_STACK_ID_BITS)
#define CHECK_MASK (~(uint64_t)CH_STACK_ID_MASK)
_Static_assert(CHECK_BITS >= 40, "the check keeps at least 40 bits beside the id");

static inline uint64_t check_term(uint64_t x, uint64_t y)
{
    unsigned __int128 p = (unsigned __int128)x * y;
    return (uint64_t)p ^ (uint64_t)(p >> 64);
}

static uint64_t check_of(const uint64_t *f, uint32_t depth)
{
    uint64_t sum = 0;
    uint32_t i = 0;
    for (; i + 1 < depth; i += 2)
        sum += check_term(f[i] ^ check_keys[i], f[i + 1] ^ check_keys[i + 1]);
    if (i < depth)
        sum += check_term(f[i] ^ check_keys[i], check_keys[i + 1]);
    sum ^= (uint64_t)depth * 0x9e3779b97f4a7c15ull;
    sum = (sum ^ (sum >> 30)) * 0xbf58476d1ce4e5b9ull;
    sum = (sum ^ (sum >> 27)) * 0x94d049bb133111ebull;
    return (sum ^ (sum >> 31)) & CHECK_MASK;
}

/*
 * An index entry: 16 bytes, four to a line. hash 0: empty. check_id holds
 * the check in its top CHECK_BITS and the stack id in its low CH_STACK_ID_BITS.
 */
typedef struct index_entry {
    uint64_t hash;
    uint64_t check_id;
} index_entry;

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

/*
 * Probes ix for the stack of hash h and check c. Returns its id, or 0 with
 * *empty set to the index of the first empty entry seen (UINT32_MAX if the
 * index has none).
 */
static uint32_t probe(const stack_index *ix, uint64_t h, uint64_t c, uint32_t *empty)
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
        if (eh == h && (e->check_id & CHECK_MASK) == c)
            return (uint32_t)(e->check_id & CH_STACK_ID_MASK);
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

static uint32_t insert_locked(uint64_t h, uint64_t c, const uint64_t *f, uint32_t depth,
                              uint16_t flags)
{
    ch_shm_header *hd = ch_g.hdr;
    stack_index *ix = cur_index;
    uint32_t empty;
    uint32_t id = probe(ix, h, c, &empty);
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
            probe(ix, h, c, &empty);
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
    ix->e[empty].check_id = c | id;
    __atomic_store_n(&ix->e[empty].hash, h, __ATOMIC_RELEASE); /* publishes it */
    return id;
}

uint32_t ch_stack_intern(const uint64_t *f, uint32_t depth, uint16_t flags, uint64_t h)
{
    uint64_t c = check_of(f, depth);
    uint64_t mh = ch_modules_stack_hash(f, depth, h); /* pcs where a module was unloaded */
    if (mh != h)
        c = (c ^ mh) & CHECK_MASK; /* not the same stack as those pcs before: nor its check */
    uint32_t empty;
    uint32_t id = probe(__atomic_load_n(&cur_index, __ATOMIC_ACQUIRE), mh, c, &empty);
    if (id)
        return id;
    ch_spin_lock(&ch_g.hdr->stack_lock);
    id = insert_locked(mh, c, f, depth, flags);
    ch_spin_unlock(&ch_g.hdr->stack_lock);
    return id;
}
