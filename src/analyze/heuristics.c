/*
 * valgrind memcheck's four leak-check heuristics, with its exact conditions
 * (memcheck/mc_leakcheck.c, heuristic_reachedness). `ptr` is always an
 * interior pointer: addr < ptr < addr + size.
 *
 * Where memcheck asks whether a word is "valid" (addressable and defined),
 * we can only ask whether it lies inside the block and can be read: we have
 * no definedness bits, so an uninitialised word counts as valid here.
 */
#include "analyze/heuristics.h"

#define WORD 8u
#define PAGE 4096u
/* valgrind looks for two function pointers among the first words of a
 * candidate vtable and gives up after this many (its loop bound is
 * inclusive, so it may read one word more). */
#define VTABLE_MAX_CHECK 20u

/* Reads n words at addr; returns how many whole words could be read. */
static size_t read_words(const ch_heur_env *env, uint64_t addr, uint64_t *w, size_t n)
{
    long got = env->read(env->ctx, addr, w, n * WORD);
    return got > 0 ? (size_t)got / WORD : 0;
}

static const ch_mapping *find_mapping(const ch_heur_env *env, uint64_t a)
{
    size_t lo = 0, hi = env->nmaps; /* the last mapping starting at or below a */
    if (!env->maps || !hi || env->maps[0].start > a)
        return NULL;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (env->maps[mid].start <= a)
            lo = mid;
        else
            hi = mid;
    }
    return a < env->maps[lo].end ? &env->maps[lo] : NULL;
}

static int mapped_with(const ch_heur_env *env, uint64_t a, unsigned flags)
{
    const ch_mapping *m = find_mapping(env, a);
    return m && (m->flags & flags) == flags;
}

/*
 * valgrind's vtable test: p lies in a readable file mapping, and among the
 * words from p on (at most VTABLE_MAX_CHECK + 1, never the segment's last
 * word) the first two non-zero ones both point into executable file
 * mappings; any other non-zero word first means "no vtable".
 */
static int is_vtable(const ch_heur_env *env, uint64_t p)
{
    const ch_mapping *m = find_mapping(env, p);
    if (!m || (m->flags & (CH_MAP_FILE | CH_MAP_READ)) != (CH_MAP_FILE | CH_MAP_READ))
        return 0;
    /* m->end > p >= PAGE, so this cannot wrap. */
    uint64_t last = m->end - 1 - WORD;
    if (p + VTABLE_MAX_CHECK * WORD < last)
        last = p + VTABLE_MAX_CHECK * WORD;
    if (last < p)
        return 0;
    uint64_t w[VTABLE_MAX_CHECK + 1];
    size_t n = read_words(env, p, w, (size_t)((last - p) / WORD + 1));
    unsigned fn_ptrs = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i] == 0)
            continue; /* vtables may hold null entries (pure virtual slots) */
        if (!mapped_with(env, w[i], CH_MAP_FILE | CH_MAP_EXEC))
            return 0;
        if (++fn_ptrs == 2)
            return 1;
    }
    return 0;
}

/* Old (reference-counted) std::string: length, capacity, refcount, then
 * capacity + 1 chars; the string object points at the chars (addr + 3 words). */
static int is_stdstring(uint64_t size, const uint64_t *head, size_t nhead)
{
    if (nhead < 2)
        return 0;
    uint64_t length = head[0], capacity = head[1];
    return 3 * WORD + capacity + 1 == size && length <= capacity;
}

/* A 64-bit count of the bytes that follow it (sqlite's allocator); the
 * pointer points past it (addr + 1 word). */
static int is_length64(uint64_t size, const uint64_t *head, size_t nhead)
{
    return nhead >= 1 && head[0] > 0 && size - WORD == head[0];
}

/* new[] of objects with a destructor: the element count, then the elements
 * (from addr + 1 word), which must divide the rest evenly. */
static int is_newarray(uint64_t size, const uint64_t *head, size_t nhead)
{
    return nhead >= 1 && head[0] > 0 && (size - WORD) % head[0] == 0;
}

/* The block's first word is a vtable pointer: an object with a vtable, whose
 * secondary bases multipleinheritance may recognise. Small values (page 0)
 * and unaligned ones are no vtable addresses: this keeps the costly vtable
 * test away from integers. */
static int has_vtable(const ch_heur_env *env, const uint64_t *head, size_t nhead)
{
    return nhead >= 1 && head[0] % WORD == 0 && head[0] >= PAGE && is_vtable(env, head[0]);
}

uint8_t ch_heur_block_facts(const ch_heur_env *env, uint64_t addr, uint64_t size)
{
    /* The block's first two words; a word counts only if it lies wholly
     * inside the block (memcheck's redzone makes the rest invalid). */
    uint64_t head[2];
    size_t want = size / WORD < 2 ? (size_t)(size / WORD) : 2;
    size_t nhead = want ? read_words(env, addr, head, want) : 0;
    return (uint8_t)(CH_HEUR_KNOWN | (is_stdstring(size, head, nhead) ? CH_HEUR_F_STDSTRING : 0) |
                     (is_length64(size, head, nhead) ? CH_HEUR_F_LENGTH64 : 0) |
                     (is_newarray(size, head, nhead) ? CH_HEUR_F_NEWARRAY : 0) |
                     (has_vtable(env, head, nhead) ? CH_HEUR_F_VTABLE : 0));
}

/* A pointer to a secondary base of an object whose first word is a vtable
 * pointer: the word it points at is one too. */
static int is_secondary_base(const ch_heur_env *env, uint64_t ptr, uint64_t addr, uint64_t size)
{
    uint64_t inner;
    if (ptr % WORD || ptr + WORD > addr + size || read_words(env, ptr, &inner, 1) != 1)
        return 0;
    return inner % WORD == 0 && inner >= PAGE && is_vtable(env, inner);
}

ch_heuristic ch_heur_pointer(const ch_heur_env *env, uint8_t facts, uint64_t ptr, uint64_t addr,
                             uint64_t size)
{
    if ((facts & CH_HEUR_F_STDSTRING) && ptr == addr + 3 * WORD)
        return CH_HEUR_STDSTRING;
    if ((facts & CH_HEUR_F_LENGTH64) && ptr == addr + WORD)
        return CH_HEUR_LENGTH64;
    if ((facts & CH_HEUR_F_NEWARRAY) && ptr == addr + WORD)
        return CH_HEUR_NEWARRAY;
    if ((facts & CH_HEUR_F_VTABLE) && is_secondary_base(env, ptr, addr, size))
        return CH_HEUR_MULTIPLEINHERITANCE;
    return CH_HEUR_NONE;
}

ch_heuristic ch_heuristic_reachedness(const ch_heur_env *env, uint64_t ptr, uint64_t addr,
                                      uint64_t size)
{
    return ch_heur_pointer(env, ch_heur_block_facts(env, addr, size), ptr, addr, size);
}
