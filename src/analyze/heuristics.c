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
 * capacity + 1 chars; the string object points at the chars. */
static int is_stdstring(uint64_t ptr, uint64_t addr, uint64_t size, const uint64_t *head,
                        size_t nhead)
{
    if (ptr != addr + 3 * WORD || nhead < 2)
        return 0;
    uint64_t length = head[0], capacity = head[1];
    return 3 * WORD + capacity + 1 == size && length <= capacity;
}

/* A 64-bit count of the bytes that follow it (sqlite's allocator). */
static int is_length64(uint64_t ptr, uint64_t addr, uint64_t size, const uint64_t *head,
                       size_t nhead)
{
    return ptr == addr + WORD && nhead >= 1 && head[0] > 0 && size - WORD == head[0];
}

/* new[] of objects with a destructor: the element count, then the elements,
 * which must divide the rest evenly. */
static int is_newarray(uint64_t ptr, uint64_t addr, uint64_t size, const uint64_t *head,
                       size_t nhead)
{
    return ptr == addr + WORD && nhead >= 1 && head[0] > 0 && (size - WORD) % head[0] == 0;
}

/* A pointer to a secondary base of an object: both the word it points at and
 * the block's first word are vtable pointers. */
static int is_multiple_inheritance(const ch_heur_env *env, uint64_t ptr, uint64_t addr,
                                   uint64_t size, const uint64_t *head, size_t nhead)
{
    uint64_t inner;
    if (ptr % WORD || ptr + WORD > addr + size || read_words(env, ptr, &inner, 1) != 1)
        return 0;
    /* Small values (page 0) and unaligned ones are no vtable addresses: this
     * keeps the costly vtable test away from integers. */
    if (inner % WORD || inner < PAGE || nhead < 1)
        return 0;
    uint64_t first = head[0];
    if (first % WORD || first < PAGE)
        return 0;
    return is_vtable(env, inner) && is_vtable(env, first);
}

ch_heuristic ch_heuristic_reachedness(const ch_heur_env *env, uint64_t ptr, uint64_t addr,
                                      uint64_t size)
{
    /* The block's first two words; a word counts only if it lies wholly
     * inside the block (memcheck's redzone makes the rest invalid). */
    uint64_t head[2];
    size_t want = size / WORD < 2 ? (size_t)(size / WORD) : 2;
    size_t nhead = want ? read_words(env, addr, head, want) : 0;
    if (is_stdstring(ptr, addr, size, head, nhead))
        return CH_HEUR_STDSTRING;
    if (is_length64(ptr, addr, size, head, nhead))
        return CH_HEUR_LENGTH64;
    if (is_newarray(ptr, addr, size, head, nhead))
        return CH_HEUR_NEWARRAY;
    if (is_multiple_inheritance(env, ptr, addr, size, head, nhead))
        return CH_HEUR_MULTIPLEINHERITANCE;
    return CH_HEUR_NONE;
}
