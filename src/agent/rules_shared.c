/*
 * The process-wide CFI rule cache (rules_shared.h): open addressing, a few
 * probes, entries only added.
 *
 * Every thread used to parse .eh_frame for each return address of its own
 * walks, into a cache of its own: 64 threads walking the same 4 frames made
 * 256 parses (about 1,800 instructions each, and the .eh_frame lines they
 * read) where 4 do. Here the first thread's parse serves the others.
 *
 * Readers take no lock. An entry is written, then published by a release
 * store of its pc, and never changed while the table's generation stands.
 * A dlclose empties the table: the writer marks the generation EMPTYING,
 * gives the pages back and then stores the new generation, and a reader
 * keeps what it read only if the generation was the one it wanted before
 * and after (a sequence lock). Writers take the lock only if it is free: a
 * thread never waits here, and a rule that was not added is parsed again
 * by the next thread that needs it (so a fork that copied the lock taken
 * leaves the child a table it reads but never adds to).
 */
#include "agent/rules_shared.h"
#include "agent/agent.h"
#include "agent/marks.h"
#include "agent/modules.h"
#include "agent/state.h"
#include "common/hash.h"

#include <string.h>
#include <sys/mman.h>

#define PROBES 8u
#define EMPTYING (~0ull)
#define ENTRY_BYTES 16u
#define TABLE_BYTES (CH_RULES_SHARED * ENTRY_BYTES)
#define PAGE_OF(i) ((i)*ENTRY_BYTES / 4096u)

_Static_assert(sizeof(ch_rule) == ENTRY_BYTES, "an entry is a rule: its pc, then one word");
_Static_assert(TABLE_BYTES / 4096u <= 64u, "touched pages are bits of one word");
_Static_assert(TABLE_BYTES / 4096u <= 511u, "an AGENT mark holds the length in 9 bits (shm.h)");

/* A rule as two words: the key, published last, and the rest. */
typedef struct entry {
    uint64_t pc; /* 0: empty */
    uint64_t body;
} entry;

static struct {
    entry *v;      /* NULL until the first add */
    uint64_t gen;  /* module generation of the entries, EMPTYING while emptied */
    uint64_t used; /* pages of v holding entries: bit i, page i (counted in agent_bytes) */
    uint32_t lock; /* writers only, never waited for */
} tab;

static uint32_t home(uint64_t pc)
{
    return (uint32_t)ch_hash_pc(pc) & (CH_RULES_SHARED - 1);
}

int ch_rules_shared_get(uint64_t pc, uint64_t gen, ch_rule *out)
{
    entry *v = __atomic_load_n(&tab.v, __ATOMIC_ACQUIRE);
    if (!v || __atomic_load_n(&tab.gen, __ATOMIC_ACQUIRE) != gen)
        return 0;
    for (uint32_t k = 0, i = home(pc); k < PROBES; k++, i = (i + 1) & (CH_RULES_SHARED - 1)) {
        uint64_t key = __atomic_load_n(&v[i].pc, __ATOMIC_ACQUIRE);
        if (key == 0)
            return 0;
        if (key != pc)
            continue;
        uint64_t body = __atomic_load_n(&v[i].body, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&tab.gen, __ATOMIC_RELAXED) != gen)
            return 0; /* emptied meanwhile: what was read may be gone */
        entry e = {pc, body};
        memcpy(out, &e, sizeof *out);
        return 1;
    }
    return 0;
}

/* Maps the table; called with the lock held. */
static int make_table(uint64_t gen)
{
    entry *v = mmap(NULL, TABLE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (v == MAP_FAILED)
        return 0;
    /* Never a root: its words are return addresses and offsets. */
    ch_mark((uint64_t)(uintptr_t)v | (uint64_t)(TABLE_BYTES / 4096u) << 3, CH_MARK_AGENT);
    tab.gen = gen;
    __atomic_store_n(&tab.v, v, __ATOMIC_RELEASE);
    return 1;
}

/* Empties the table for generation gen (a dlclose since it was filled); lock held. */
static void empty_table(uint64_t gen)
{
    __atomic_store_n(&tab.gen, EMPTYING, __ATOMIC_SEQ_CST);
    if (madvise(tab.v, TABLE_BYTES, MADV_DONTNEED) == 0) {
        if (ch_g.hdr) /* its pages are gone */
            ch_header_add(&ch_g.hdr->agent_bytes,
                          -(uint64_t)__builtin_popcountll(tab.used) * 4096u);
        tab.used = 0;
    } else { /* the pages stay, and stay counted */
        for (uint32_t i = 0; i < CH_RULES_SHARED; i++)
            __atomic_store_n(&tab.v[i].pc, 0, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&tab.gen, gen, __ATOMIC_RELEASE);
}

/* Puts r in its first free probe unless it is there; lock held. */
static void add(const ch_rule *r)
{
    entry e;
    memcpy(&e, r, sizeof e);
    for (uint32_t k = 0, i = home(e.pc); k < PROBES; k++, i = (i + 1) & (CH_RULES_SHARED - 1)) {
        uint64_t key = __atomic_load_n(&tab.v[i].pc, __ATOMIC_RELAXED);
        if (key == e.pc)
            return;
        if (key != 0)
            continue;
        __atomic_store_n(&tab.v[i].body, e.body, __ATOMIC_RELAXED);
        __atomic_store_n(&tab.v[i].pc, e.pc, __ATOMIC_RELEASE);
        uint64_t bit = 1ull << PAGE_OF(i);
        if (!(tab.used & bit) && ch_g.hdr)
            ch_header_add(&ch_g.hdr->agent_bytes, 4096u);
        tab.used |= bit;
        return;
    }
    /* Every probe taken: the threads that need this rule keep it in their own caches. */
}

void ch_rules_shared_put(const ch_rule *r, uint64_t gen)
{
    if (r->pc == 0 || __atomic_exchange_n(&tab.lock, 1, __ATOMIC_ACQUIRE) != 0)
        return;
    int ok = tab.v || make_table(gen);
    if (ok && tab.gen != gen) {
        /* Only the newest generation may empty it: an older one's rule may be stale. */
        ok = gen == ch_modules_gen();
        if (ok)
            empty_table(gen);
    }
    if (ok)
        add(r);
    __atomic_store_n(&tab.lock, 0, __ATOMIC_RELEASE);
}
