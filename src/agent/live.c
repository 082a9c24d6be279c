/*
 * Live table: each thread's young blocks (shm.h: a block freed soon by its
 * own thread costs no lock), then CH_LIVE_SHARDS shards, each a spinlock plus an open-addressing
 * table with linear probing and backward-shift deletion (no tombstones, so
 * probe chains never degrade under malloc/free churn).
 *
 * The shard is picked by the address's 64 MiB window (shm.h: a thread's
 * arena stays in one shard, so threads do not share lock or table lines)
 * and the slot by a hash of the address's 256-byte run (home_of). Tables
 * hold any number of slots and grow by 40% at 75% load, so a live
 * block costs 16 / 0.75 .. 16 / 0.54 = 21 .. 30 bytes of table. Probes do
 * not wrap: TAIL slots past the last home end every run, the last one
 * always empty.
 *
 * A table grows in place (grow_down): it ends at a fixed offset of a range
 * reserved for its shard and grows toward the range's floor, its entries
 * moved in one forward pass, each to a slot at or below its old one. The
 * moves are two forward streams, and only the added slots are fresh pages.
 * A table that was copied into a new one at each growth wrote 3.5 times its
 * final size in fresh pages, at random lines, and on a virtual machine the
 * first touch of a page costs 6 to 13 us even after MADV_POPULATE_WRITE:
 * the 3M-node list took 89,923 faults and 2.07 s of CPU that way, 43,719
 * and 1.50 s now (bench/RESULTS.md). A table that reaches its range's floor
 * moves to a range four times its size (relocate).
 *
 * Crash consistency (the launcher reads the table after SIGKILL): an entry's
 * size_stack is written before its addr, so a visible addr has its size. A
 * backward shift copies an entry to its new slot before clearing the old
 * one, so an interrupted delete or growth can show an entry twice, never
 * lose one; a reader should ignore a repeated addr. Growth in place
 * publishes the larger cap (one store) before it moves anything. A
 * relocated table is complete before cap and table_end are published and
 * the old pages are released only after that; the two fields are separate
 * stores, cap first, so a kill between them (one instruction) shows the old
 * table with slots below it.
 *
 * An entry's addr carries the allocation epoch in its top bits (shm.h):
 * home_of, shard_of and every comparison look at ch_addr_of only. The
 * epoch costs the hot path one load of a header field the launcher writes
 * about once a second, not a clock read.
 */
#include "agent/live.h"
#include "agent/spin.h"
#include "agent/state.h"
#include "agent/thread_slot.h"

#include <sys/mman.h>

#define SHARD_BITS __builtin_ctz(CH_LIVE_SHARDS)
#define PAGE 4096ull
#define TAIL 256u /* slots past the last home (home_of < homes + 16) */
/* A shard's first range: 1/128 of the heap area (128 MiB, 8M slots, of the usual 16 GiB), so
 * that half of it is left for the tables that outgrow theirs. */
#define FIRST_RANGE_DIV (2 * CH_LIVE_SHARDS)
#define RELOCATE_ROOM 4 /* a relocated table's range, in multiples of its size */

/* Fibonacci hashing of the window number: windows next to each other land in different shards. */
static inline ch_live_shard *shard_of(uint64_t addr)
{
    uint64_t w = (ch_addr_of(addr) >> CH_LIVE_WINDOW_SHIFT) * 0x9e3779b97f4a7c15ull;
    return &ch_g.shards[w >> (64 - SHARD_BITS)];
}

/*
 * A block's home slot, below homes + 16 (homes = cap - TAIL). Blocks of one
 * 256-byte run of addresses share a
 * hashed base and lie in address order from it (one slot per 16 bytes, so
 * within 16 slots), and runs elsewhere land anywhere. Programs mostly
 * allocate and free neighbours one after another (a list or a tree built,
 * then freed), so consecutive inserts and removes touch the same table line
 * instead of a random line of a table far larger than the caches: 3M list
 * nodes built and freed took 2.35 s of CPU with a hash of the whole address,
 * 1.41 s with this (medians of 9 runs, load average 9-11 on 2 cores). Linear
 * probing pays for it with longer runs where dense runs of addresses
 * overlap (up to 6x more slots probed at 32-byte blocks, in a simulation),
 * mostly in lines already loaded; runs of 512 bytes or more probed more
 * and gained less. The base scales with `homes`, so a table d homes larger
 * moves no home up by more than d slots (grow_down needs it).
 */
#define HOME_RUN_SHIFT 8
static inline uint64_t home_of(uint64_t addr, uint64_t homes)
{
    addr = ch_addr_of(addr); /* without its epoch */
    uint64_t i =
        (uint64_t)(((unsigned __int128)ch_addr_hash(addr >> HOME_RUN_SHIFT) * homes) >> 64);
    return i + ((addr >> 4) & ((1u << (HOME_RUN_SHIFT - 4)) - 1));
}

/*
 * The run of addresses each shard's table was last looked up or written
 * for, the agent's own (not the record's), written under the shard's lock;
 * a line apart so that threads on other shards do not share it.
 */
static struct {
    uint64_t run;
    uint64_t pad[7];
} last_run[CH_LIVE_SHARDS];

/*
 * A program that walks its blocks in address order (a list or a tree built
 * or freed) goes through the runs of a shard one after another, and each
 * run's first lookup is a cache and TLB miss into a table far larger than
 * the caches. When a lookup enters the run next to the previous one, the
 * lines of the run after it, in the same direction, start loading: the
 * miss overlaps the calls spent in this run (8 for a list of 32-byte
 * chunks) instead of stalling the first call in the next. The 3M-node
 * list: 1.66 -> 1.44 s of CPU (bench/RESULTS.md). Other orders cost a
 * compare per lookup.
 */
static inline void prefetch_next_run(const ch_live_shard *s, const ch_live_entry *t, uint64_t homes,
                                     uint64_t addr)
{
    uint64_t run = ch_addr_of(addr) >> HOME_RUN_SHIFT, *last = &last_run[s - ch_g.shards].run;
    uint64_t prev = *last;
    if (run == prev)
        return;
    *last = run;
    if (run != prev + 1 && run + 1 != prev)
        return;
    const char *p = (const char *)&t[home_of((2 * run - prev) << HOME_RUN_SHIFT, homes)];
    /* The 16 slots of a 256-byte run's homes span 5 lines at most. */
    for (int k = 0; k < 5; k++)
        __builtin_prefetch(p + 64 * k, 1);
}

/* Keep the load at or below 3/4 so probe chains stay short. */
static inline int needs_growth(const ch_live_shard *s)
{
    return !s->table_end || (s->count + 1) * 4 > (s->cap - TAIL) * 3;
}

static ch_live_entry *table_of(const ch_live_shard *s)
{
    return (ch_live_entry *)(ch_g.base + s->table_end) - s->cap;
}

/* The record offset of p. */
static uint64_t off_of(const void *p)
{
    return (uint64_t)((const char *)p - ch_g.base);
}

static uint64_t page_down(uint64_t off)
{
    return off & ~(PAGE - 1);
}

static uint64_t page_up(uint64_t bytes)
{
    return (bytes + PAGE - 1) & ~(PAGE - 1);
}

/* Reserves page-aligned bytes of the shm heap (no page is touched). Returns an offset, or 0. */
static uint64_t heap_reserve(uint64_t bytes)
{
    ch_shm_header *h = ch_g.hdr;
    bytes = page_up(bytes);
    uint64_t used = __atomic_load_n(&h->heap_used, __ATOMIC_RELAXED);
    do {
        /* Never overshoot heap_size: the launcher rejects a record with heap_used past it. */
        if (bytes > h->heap_size - used)
            return 0;
    } while (!__atomic_compare_exchange_n(&h->heap_used, &used, used + bytes, 1, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    return h->heap_off + used;
}

/*
 * Faults in the pages of [lo, hi) of the record (page-aligned offsets) in
 * one call rather than one fault per page (the list: 1.41 s -> 1.29 s);
 * fails before Linux 5.14, and the pages are then faulted as they are
 * written. The agent's memory counts them.
 */
static void commit(uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return;
    madvise(ch_g.base + lo, hi - lo, MADV_POPULATE_WRITE);
    ch_header_add(&ch_g.hdr->agent_bytes, hi - lo);
}

/* Releases the pages of [lo, hi) of the record (page-aligned offsets) that commit() counted. */
static void uncommit(uint64_t lo, uint64_t hi)
{
    madvise(ch_g.base + lo, hi - lo, MADV_REMOVE);
    ch_header_add(&ch_g.hdr->agent_bytes, -(hi - lo));
}

/* Places a shard's table of `cap` slots at the top of a new range, or returns 0. */
static int place(ch_live_shard *s, uint64_t cap, uint64_t *end, uint64_t *floor)
{
    uint64_t bytes = cap * sizeof(ch_live_entry);
    uint64_t room = s->table_end ? bytes * RELOCATE_ROOM : ch_g.hdr->heap_size / FIRST_RANGE_DIV;
    if (room < bytes)
        room = bytes;
    room = page_up(room);
    uint64_t off = heap_reserve(room);
    if (!off)
        off = heap_reserve(room = page_up(bytes));
    if (!off)
        return 0;
    *floor = off;
    *end = off + room;
    commit(page_down(*end - bytes), *end);
    return 1;
}

/* Puts an entry in a table being filled; 0 if it would take the last slot. */
static int insert_fresh(ch_live_entry *t, uint64_t cap, uint64_t addr, uint64_t size_stack)
{
    uint64_t i = home_of(addr, cap - TAIL);
    while (t[i].addr)
        i++;
    if (i >= cap - 1)
        return 0;
    t[i].size_stack = size_stack;
    t[i].addr = addr;
    return 1;
}

/*
 * Grows the table by d slots in place, below its first slot. Entry j of the
 * old table is entry j + d of the new one; the new home of each is at most
 * d above its old one, which was at or below j, so a forward pass can move
 * each entry to the first free slot from its new home, which is never
 * above j + d: every slot below j + d holds a moved entry or nothing.
 * Nothing is lost at any instant: the larger table is published first, and
 * an entry is written to its new slot before its old one is cleared.
 */
static void grow_down(ch_live_shard *s, uint64_t d)
{
    ch_live_entry *t = table_of(s), *fresh = t - d;
    uint64_t cap = s->cap, homes = cap + d - TAIL;
    commit(page_down(off_of(fresh)), page_down(off_of(t)));
    __atomic_store_n(&s->cap, cap + d, __ATOMIC_RELEASE);
    /*
     * Every slot from `top` (one past the highest slot an entry already
     * passed holds) up to j + d is free, so the pass reads no slot there,
     * only writes it: the list of 1M nodes, the growth's last-level read
     * misses 1.85 M -> 1.07 M (callgrind, 1 MiB last level). Its CPU is
     * mostly the first touch of each added page, a write's as a read's.
     */
    uint64_t top = 0;
    for (uint64_t j = 0; j < cap; j++) {
        uint64_t addr = t[j].addr;
        if (!addr)
            continue;
        uint64_t at = j + d, q = home_of(addr, homes);
        if (q > at)
            q = at; /* never (see above); staying put is safe */
        while (q < top && fresh[q].addr)
            q++;
        if (q >= top)
            top = q + 1;
        if (q == at)
            continue;
        fresh[q].size_stack = t[j].size_stack;
        __atomic_store_n(&fresh[q].addr, addr, __ATOMIC_RELEASE);
        __atomic_store_n(&t[j].addr, 0, __ATOMIC_RELEASE);
        t[j].size_stack = 0;
    }
}

/* Copies the table into a new range with `cap` slots; 0 if there is no room. */
static int relocate(ch_live_shard *s, uint64_t cap)
{
    uint64_t end, floor;
    if (!place(s, cap, &end, &floor))
        return 0;
    ch_live_entry *fresh = (ch_live_entry *)(ch_g.base + end) - cap, *old = table_of(s);
    uint64_t old_cap = s->cap;
    for (uint64_t i = 0; i < old_cap; i++)
        if (old[i].addr && !insert_fresh(fresh, cap, old[i].addr, old[i].size_stack)) {
            /* A run reached the end (never seen): the old table stays, the new one's pages go. */
            uncommit(page_down(end - cap * sizeof *fresh), end);
            return 0;
        }
    /* Publish the complete new table, then release the old one's pages. */
    uint64_t old_lo = page_down(off_of(old)), old_end = s->table_end;
    __atomic_store_n(&s->cap, cap, __ATOMIC_RELEASE);
    __atomic_store_n(&s->table_end, end, __ATOMIC_RELEASE);
    s->floor_off = floor;
    uncommit(old_lo, old_end);
    return 1;
}

/* Makes the shard's first table, or one 40% larger. Caller holds the lock. */
static int grow(ch_live_shard *s)
{
    if (!s->table_end) {
        uint64_t end, floor;
        if (!place(s, CH_LIVE_MIN_CAP + TAIL, &end, &floor)) {
            ch_fail("shm heap for the live table is exhausted; stopped recording");
            return 0;
        }
        s->floor_off = floor;
        __atomic_store_n(&s->cap, CH_LIVE_MIN_CAP + TAIL, __ATOMIC_RELEASE);
        __atomic_store_n(&s->table_end, end, __ATOMIC_RELEASE);
        return 1;
    }
    uint64_t d = (s->cap - TAIL) * 2 / 5;
    uint64_t first = off_of(table_of(s));
    if (first - s->floor_off >= d * sizeof(ch_live_entry)) {
        grow_down(s, d);
        return 1;
    }
    if (relocate(s, s->cap + d))
        return 1;
    ch_fail("shm heap for the live table is exhausted; stopped recording");
    return 0;
}

/* Inserts (or overwrites) addr (with its epoch) in its shard; 0 if there is no room.
 * Caller holds the shard's lock. */
static int shard_insert(ch_live_shard *s, uint64_t addr, uint64_t size_stack)
{
    uint64_t key = ch_addr_of(addr);
    /* If growing fails, the table may still take a few more (its last slot stays empty). */
    if (needs_growth(s) && !grow(s) && !s->table_end)
        return 0;
    for (int grown = 0;; grown = 1) {
        ch_live_entry *t = table_of(s);
        uint64_t cap = s->cap, i = home_of(addr, cap - TAIL);
        prefetch_next_run(s, t, cap - TAIL, addr);
        for (; t[i].addr; i++) {
            if (ch_addr_of(t[i].addr) == key) {
                /* A free we did not see (made while this thread was inside the agent). */
                t[i].size_stack = size_stack;
                __atomic_store_n(&t[i].addr, addr, __ATOMIC_RELEASE);
                return 1;
            }
        }
        if (i < cap - 1) {
            t[i].size_stack = size_stack;
            __atomic_store_n(&t[i].addr, addr, __ATOMIC_RELEASE);
            s->count++;
            return 1;
        }
        /* The run reached the last slot: a larger table spreads it. */
        if (grown || !grow(s))
            return 0;
    }
}

/* Removes the entry at `hole` by shifting back the entries of its run that may move. */
static void delete_at(ch_live_entry *t, uint64_t homes, uint64_t hole)
{
    for (uint64_t j = hole + 1; t[j].addr; j++) {
        /* Homes never lie above their entry (no wrap): one above the hole must stay. */
        if (home_of(t[j].addr, homes) > hole)
            continue;
        t[hole].size_stack = t[j].size_stack;
        __atomic_store_n(&t[hole].addr, t[j].addr, __ATOMIC_RELEASE);
        hole = j;
    }
    __atomic_store_n(&t[hole].addr, 0, __ATOMIC_RELEASE);
    t[hole].size_stack = 0;
}

/* Removes addr from its shard. Caller holds the shard's lock. */
static int shard_remove(ch_live_shard *s, uint64_t addr, uint64_t *size_stack)
{
    if (!s->table_end)
        return 0;
    ch_live_entry *t = table_of(s);
    uint64_t homes = s->cap - TAIL;
    prefetch_next_run(s, t, homes, addr);
    for (uint64_t i = home_of(addr, homes); t[i].addr; i++) {
        if (ch_addr_of(t[i].addr) == addr) {
            *size_stack = t[i].size_stack;
            delete_at(t, homes, i);
            s->count--;
            return 1;
        }
    }
    return 0;
}

/*
 * Moves the young entry e (of its owner thread, the caller) to the shards;
 * 0 if its shard has no room (the entry then stays where it is).
 * Under the shard's lock the entry is checked again: another thread may
 * have freed the block and cleared it meanwhile (shm.h, young blocks). The
 * entry is copied to the shard before it is cleared: a reader that finds the
 * target dead in between sees it twice, never not at all.
 */
static int evict(ch_live_entry *e)
{
    uint64_t addr = e->addr, size_stack = e->size_stack;
    ch_live_shard *s = shard_of(addr);
    int ok = 1;
    ch_spin_lock(&s->lock);
    if (__atomic_load_n(&e->addr, __ATOMIC_RELAXED) == addr) {
        ok = shard_insert(s, addr, size_stack);
        if (ok)
            __atomic_store_n(&e->addr, 0, __ATOMIC_RELAXED);
    }
    ch_spin_unlock(&s->lock);
    return ok;
}

/*
 * Young blocks make full tracking cheap. A sampled run records too few
 * blocks to need them, and without them a block missing from the shards was
 * surely never recorded: a free that the sampling filter lets through by
 * mistake (one counter serves an address in every arena window) then costs
 * one shard lookup, not a look into every thread slot, which in a program
 * with a thousand threads is a thousand cache misses.
 */
static inline int young_used(void)
{
    return ch_g.sample_rate <= 1;
}

/*
 * Unlocked reads of the shard's table: the table may grow meanwhile, and a
 * prefetch of a stale address is harmless (it never faults).
 */
void ch_live_prefetch_evict(ch_thread_slot *own, uint64_t addr)
{
    if (!own || !young_used())
        return;
    uint64_t old = __atomic_load_n(&ch_young_entry(own, addr)->addr, __ATOMIC_RELAXED);
    if (!old || ch_addr_of(old) == addr)
        return;
    ch_live_shard *s = shard_of(old);
    uint64_t end = __atomic_load_n(&s->table_end, __ATOMIC_RELAXED);
    uint64_t cap = __atomic_load_n(&s->cap, __ATOMIC_RELAXED);
    if (end && cap > TAIL)
        __builtin_prefetch(
            ch_g.base + end - (cap - home_of(old, cap - TAIL)) * sizeof(ch_live_entry), 1);
}

int ch_live_insert(ch_thread_slot *own, uint64_t addr, uint64_t size, uint32_t stack_id)
{
    uint64_t size_stack = ch_pack_size_stack(size, stack_id);
    if (CH_UNLIKELY(addr > CH_ADDR_MASK))
        return 0; /* above 2^48 (5-level paging, asked for by mmap hints): no room for the epoch */
    uint16_t epoch = (uint16_t)__atomic_load_n(&ch_g.hdr->epoch, __ATOMIC_RELAXED);
    uint64_t packed = ch_pack_addr_epoch(addr, epoch);
    if (own && young_used()) {
        ch_live_entry *e = ch_young_entry(own, addr);
        if (e->addr && ch_addr_of(e->addr) != addr) {
            own->collisions++; /* counted for widening (ch_live_widen) */
            if (!evict(e))
                goto shared; /* the shm heap is full: the shard decides what is possible */
        }
        /* Plain stores, size first: the owner is the only writer of an entry it holds. */
        __atomic_store_n(&e->size_stack, size_stack, __ATOMIC_RELAXED);
        __atomic_store_n(&e->addr, packed, __ATOMIC_RELEASE);
        return 1;
    }
shared:;
    ch_live_shard *s = shard_of(addr);
    ch_spin_lock(&s->lock);
    int ok = shard_insert(s, packed, size_stack);
    ch_spin_unlock(&s->lock);
    return ok;
}

/* Clears e if it holds addr, with a compare-and-swap against its owner's moves. */
static int take_foreign(ch_live_entry *e, uint64_t addr, uint64_t *size_stack)
{
    uint64_t expect = __atomic_load_n(&e->addr, __ATOMIC_ACQUIRE);
    if (ch_addr_of(expect) != addr)
        return 0;
    uint64_t ss = __atomic_load_n(&e->size_stack, __ATOMIC_RELAXED);
    if (!__atomic_compare_exchange_n(&e->addr, &expect, 0, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return 0;
    *size_stack = ss;
    return 1;
}

/*
 * A block that is in no shard may still be young in another thread's slot
 * (allocated there, freed here). Called with the block's shard locked, which
 * keeps its owner from moving it meanwhile. A small slot's block is where
 * the small index puts it; a wide slot's may be there still (the slot was
 * widening, ch_live_widen) or where the wide index puts it. The wide place
 * of a small slot is not read: a read of a page of the record not yet
 * touched allocates it.
 */
static int remove_foreign_young(const ch_thread_slot *own, uint64_t addr, uint64_t *size_stack)
{
    uint32_t n = __atomic_load_n(&ch_g.hdr->n_thread_slots, __ATOMIC_ACQUIRE);
    uint32_t h = CH_YOUNG_INDEX(addr), b = h >> 1, way = h & 1;
    for (uint32_t i = 0; i < n && i < CH_MAX_THREAD_SLOTS; i++) {
        ch_thread_slot *other = ch_thread_slot_at(i);
        if (other == own)
            continue;
        if (take_foreign(&other->bucket[b & (CH_SLOT_SMALL - 1)].young[way], addr, size_stack))
            return 1;
        if (__atomic_load_n(&other->bucket_mask, __ATOMIC_ACQUIRE) == CH_SLOT_BUCKETS - 1 &&
            take_foreign(&other->bucket[b].young[way], addr, size_stack))
            return 1;
    }
    return 0;
}

int ch_live_remove(ch_thread_slot *own, uint64_t addr, uint64_t *size_stack)
{
    int young = young_used();
    if (own && young) {
        ch_live_entry *e = ch_young_entry(own, addr);
        if (ch_addr_of(e->addr) == addr) {
            *size_stack = e->size_stack;
            __atomic_store_n(&e->addr, 0, __ATOMIC_RELEASE);
            return 1;
        }
    }
    ch_live_shard *s = shard_of(addr);
    ch_spin_lock(&s->lock);
    int found =
        shard_remove(s, addr, size_stack) || (young && remove_foreign_young(own, addr, size_stack));
    ch_spin_unlock(&s->lock);
    return found;
}

/* 1 if every young block of the first `buckets` moved to the shards. */
static int flush_buckets(ch_thread_slot *own, uint32_t buckets)
{
    int ok = 1;
    for (uint32_t i = 0; i < buckets; i++)
        for (uint32_t k = 0; k < 2; k++)
            if (own->bucket[i].young[k].addr && !evict(&own->bucket[i].young[k]))
                ok = 0;
    return ok;
}

void ch_live_flush_young(ch_thread_slot *own)
{
    /* An entry that cannot move (shm heap full) stays valid where it is. */
    (void)flush_buckets(own, (own->bucket_mask & (CH_SLOT_BUCKETS - 1)) + 1);
}

/*
 * The young blocks first go to the shards: the wide index would look for
 * each elsewhere. One that cannot move (shm heap full) keeps the slot small.
 */
void ch_live_widen(ch_thread_slot *own)
{
    if (own->bucket_mask == CH_SLOT_BUCKETS - 1 || !flush_buckets(own, CH_SLOT_SMALL))
        return;
    __atomic_store_n(&own->bucket_mask, CH_SLOT_BUCKETS - 1, __ATOMIC_RELEASE);
    own->pend_or = 0;
}
