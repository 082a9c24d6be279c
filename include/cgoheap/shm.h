/*
 * cgoheap shared-memory record format.
 *
 * The launcher (cgoheap run) creates a memfd, sizes it, writes this header,
 * and passes the descriptor number to the target in CGOHEAP_SHM_FD. The agent
 * (libcgoheap.so, preloaded into the target) maps the same file MAP_SHARED and
 * records every live allocation and every distinct stack into it. Because the
 * launcher holds its own mapping, the record outlives the target: it is
 * complete after exit_group, a crash or SIGKILL.
 *
 * The file is sparse: regions are reserved at fixed offsets but only pages
 * that are written consume memory.
 *
 * Both sides include this header; bump CH_SHM_VERSION on any layout change.
 * Every offset is in bytes from the start of the mapping. All fields written
 * concurrently by the agent are accessed with C11/GCC atomics.
 */
#ifndef CGOHEAP_SHM_H
#define CGOHEAP_SHM_H

#include <stdint.h>

#define CH_SHM_MAGIC 0x504145484f474843ULL /* "CGOHEAP" little-endian */
#define CH_SHM_VERSION 7u

/* Environment variables read by the agent. */
#define CH_ENV_SHM_FD "CGOHEAP_SHM_FD" /* fd number of the memfd */
#define CH_ENV_UNWIND "CGOHEAP_UNWIND" /* "fast" (default) or "exact" */

/* ---- live-allocation table: sharded open addressing ---- */
#define CH_LIVE_SHARDS 64u    /* power of two */
#define CH_LIVE_MIN_CAP 1024u /* initial slots per shard */
/*
 * A block's shard is chosen by its 64 MiB address window (hashed), not by
 * its whole address. glibc gives each thread an arena whose heaps are
 * 64 MiB-aligned, so a thread's blocks mostly share one shard: its lock and
 * table lines stay in that thread's cache instead of bouncing between
 * cores on every call. Blocks freed by another thread still find their shard.
 */
#define CH_LIVE_WINDOW_SHIFT 26u

/*
 * One live allocation. addr == 0 means the slot is empty (malloc never
 * returns NULL for a recorded block). addr packs the block's address (lower
 * 48 bits: x86-64 user space without 5-level paging, the only addresses the
 * agent records) and the allocation epoch (upper 16 bits, see `epoch` in
 * the header): every comparison or hash of addr uses ch_entry_addr.
 * size_stack packs the requested size (upper 40 bits) and the stack id
 * (lower 24 bits).
 */
typedef struct ch_live_entry {
    uint64_t addr;
    uint64_t size_stack;
} ch_live_entry;

#define CH_ADDR_BITS 48u
#define CH_ADDR_MASK ((1ull << CH_ADDR_BITS) - 1)
#define CH_MAX_EPOCH 0xffffu
static inline uint64_t ch_addr_of(uint64_t packed)
{
    return packed & CH_ADDR_MASK;
}
static inline uint64_t ch_pack_addr_epoch(uint64_t addr, uint32_t epoch)
{
    return addr | (uint64_t)epoch << CH_ADDR_BITS;
}
static inline uint64_t ch_entry_addr(const ch_live_entry *e)
{
    return ch_addr_of(e->addr);
}
static inline uint32_t ch_entry_epoch(const ch_live_entry *e)
{
    return (uint32_t)(e->addr >> CH_ADDR_BITS);
}

#define CH_STACK_ID_BITS 24u
#define CH_STACK_ID_MASK ((1ull << CH_STACK_ID_BITS) - 1)
#define CH_SIZE_MAX_RECORDED ((1ull << (64 - CH_STACK_ID_BITS)) - 1)
static inline uint64_t ch_pack_size_stack(uint64_t size, uint32_t stack_id)
{
    if (size > CH_SIZE_MAX_RECORDED)
        size = CH_SIZE_MAX_RECORDED;
    return (size << CH_STACK_ID_BITS) | (stack_id & CH_STACK_ID_MASK);
}
static inline uint64_t ch_entry_size(const ch_live_entry *e)
{
    return e->size_stack >> CH_STACK_ID_BITS;
}
static inline uint32_t ch_entry_stack(const ch_live_entry *e)
{
    return (uint32_t)(e->size_stack & CH_STACK_ID_MASK);
}

/*
 * A shard. The agent takes `lock` (a spinlock) to insert, delete or grow.
 * The table is ch_live_entry[cap] ending at table_end: the capacity is any
 * number of slots, and where an entry lies in the table is the agent's
 * business (a reader takes every entry). The agent grows a table in place,
 * toward lower offsets down to floor_off, with table_end fixed: it
 * publishes the larger cap before moving any entry, so the one store
 * publishes a table that holds every entry (some maybe twice while they
 * move). A table that reaches floor_off moves to a new range: the agent
 * writes the new table, publishes cap, then table_end, and only then
 * releases the old table's pages.
 */
typedef struct ch_live_shard {
    uint32_t lock;
    uint32_t pad0;
    uint64_t cap;       /* slots in the table */
    uint64_t count;     /* entries in use */
    uint64_t table_end; /* offset one past the table's last slot; 0: no table yet */
    uint64_t floor_off; /* the agent's: the lowest offset its table may grow down to */
    uint64_t pad[3];    /* one cache line per shard */
} ch_live_shard;

/* ---- stack table: lock-free lookup, inserts under stack_lock ---- */
/*
 * Entry i holds stack id i (id 0 means "no stack"). Ids are dense, handed out
 * in order: entries 1..n_stacks are the stacks. An entry is complete once its
 * `hash` is non-zero (a release store after frames_off/depth are written),
 * before n_stacks counts it (a counted entry still 0 reads as no stack).
 * Frames are return addresses, leaf (caller of malloc) first, stored
 * as uint64_t at frames_off.
 */
typedef struct ch_stack_entry {
    uint64_t hash;
    uint32_t frames_off8; /* offset / 8 from frames area start */
    uint16_t depth;
    uint16_t flags; /* CH_STACK_F_* */
} ch_stack_entry;

#define CH_STACK_F_TRUNCATED 1u /* the walk hit CH_MAX_FRAMES */
#define CH_STACK_F_GO 2u        /* the walk continued into Go frames by frame pointer */

/*
 * Per-stack cumulative counters, parallel to the stack table (indexed by id); the
 * thread slots' `pend` entries (below) hold the part not yet added here.
 */
typedef struct ch_stack_stats {
    uint64_t alloc_count; /* allocations recorded with this stack */
    uint64_t alloc_bytes; /* bytes requested by them */
} ch_stack_stats;

#define CH_MAX_FRAMES 128u

/*
 * A frame of this value (never a return address) ends the stack of a C
 * thread's allocation and starts the stack that created the thread (its
 * pthread_create call), which may end with another such frame.
 */
#define CH_PC_THREAD_CREATED 1ull

/*
 * ---- modules seen by the agent (for symbolization after exit) ----
 * A module dlclosed and another loaded at the same addresses later have
 * one entry each: an entry is the module's life, told in stack ids, which
 * are handed out in order. Its frames are in stacks with ids above
 * loaded_after (n_stacks when the agent found it) and, once it is gone
 * (CH_MODULE_F_UNLOADED, published with release after unloaded_after),
 * at most unloaded_after (n_stacks when the agent found it gone). A stack
 * that holds a pc of an address range some module left is never the same
 * id as one recorded before that (the agent hashes it apart).
 */
#define CH_MODULE_F_UNLOADED 1u
#define CH_BUILD_ID_MAX 32u

typedef struct ch_module_entry {
    uint64_t start; /* lowest mapped address of the module's PT_LOAD segments */
    uint64_t end;   /* one past the highest */
    uint64_t bias;  /* dlpi_addr: load bias (0 for non-PIE executables) */
    uint32_t loaded_after;
    uint32_t unloaded_after;
    uint16_t flags;       /* CH_MODULE_F_* */
    uint8_t build_id_len; /* bytes of build_id used: the GNU build ID of the mapped image; 0 none */
    uint8_t pad[5];
    uint8_t build_id[CH_BUILD_ID_MAX];
    char path[232]; /* absolute path; the executable's real path, not "" */
} ch_module_entry;

#define CH_MAX_MODULES 1024u

/*
 * ---- stack marks ----
 * Events that tell the launcher which part of a thread stack is dead at
 * exit. Each mark is a stack pointer (8-byte aligned) with its type in the
 * low 3 bits:
 *  SWITCH: where a cgo call entered the system (g0) stack: the stack pointer
 *    of the outermost C frame when the walk crossed into Go on another
 *    stack. Below it lie only frames of C calls made from Go, dead once the
 *    calls return, yet still holding copies of the pointers they were passed.
 *  BIRTH: a thread created with pthread_create started on this stack
 *    (glibc reuses the stacks of joined threads).
 *  DEATH: that thread ended; everything below this point is dead.
 *  AGENT: not a stack pointer: the agent mapped a per-thread cache of its
 *    own at this page address, CH_MARK_PAGES(v) pages long. Its unwinder
 *    memos keep callers' RBP values, which -O2 code uses for heap pointers:
 *    never a root.
 * The launcher replays a stack's marks in slot order (see src/collect/roots.c).
 * Slots are claimed with a fetch-add of n_marks and then written; a slot
 * still 0 was claimed by a thread that died before writing it.
 */
#define CH_MARK_SWITCH 0u
#define CH_MARK_BIRTH 1u
#define CH_MARK_DEATH 2u
#define CH_MARK_TYPE(v) ((unsigned)((v)&7u))
#define CH_MARK_SP(v) ((v) & ~7ull)
#define CH_MARK_AGENT 3u
#define CH_MARK_PAGE(v) ((v) & ~4095ull)                 /* AGENT: the mapping's address */
#define CH_MARK_PAGES(v) ((unsigned)(((v) >> 3) & 511u)) /* AGENT: its length in pages */
#define CH_MAX_MARKS 4096u

/*
 * ---- per-thread slots ----
 * Each recording thread owns one slot (a later thread reuses it when the
 * thread ends) and writes it with plain stores: one writer, no atomic
 * read-modify-write, no cache line shared with another thread.
 *
 * Counters: the totals are the sums over all slots plus the header's
 * counters (used by threads that found no free slot). The same goes for
 * the per-stack counts: ch_stack_stats plus every slot's `pend`.
 *
 * Young blocks: the thread's most recent allocations live in the young
 * entries of `bucket` (direct mapped by CH_YOUNG_INDEX, two per bucket)
 * before they move to the shared live table, so a block freed soon by the
 * thread that allocated it never costs a shard lock. A block is in at most
 * one place at a time, except for an instant while it moves from a young
 * entry to a shard (the reader keeps one of two entries with the same
 * address). Another thread that frees a young block clears its entry with a
 * compare-and-swap while holding the lock of the block's shard; the owner
 * moves a block to a shard only under that same lock, after checking that
 * its entry is still there.
 *
 * Small slots: a thread starts with the buckets below CH_SLOT_SMALL and the
 * pending entries from CH_PEND_SMALL_AT up, which lie in one page with the
 * counters (4 KiB of the slot's 24 touched, where spread over the whole slot
 * the few blocks of a thread that allocates a little touched 18 KiB). The
 * agent widens the slot (`bucket_mask`, `pend_or`) when the thread's young
 * blocks start to collide; it moves its young blocks to the shards first, so that each is
 * where the wide index puts it. Another thread looking for an address
 * checks both places; the launcher reads every entry, wherever it is.
 */
#define CH_YOUNG_BITS 9u
#define CH_YOUNG_SLOTS (1u << CH_YOUNG_BITS)
#define CH_YOUNG_INDEX(addr) ((uint32_t)(((addr)*0x9e3779b97f4a7c15ull) >> (64 - CH_YOUNG_BITS)))
#define CH_SLOT_BUCKETS (CH_YOUNG_SLOTS / 2)
#define CH_SLOT_SMALL 32u /* buckets of a small slot: 64 young blocks, 32 recent frees */

/*
 * Pending per-stack counts: the thread's allocations not yet added to the
 * shared ch_stack_stats, direct mapped by stack id (CH_PEND_INDEX). An
 * entry moves to the stats only when another stack needs it or the thread
 * ends, so the shared lines see one atomic add per run of a stack, not per
 * allocation. The launcher adds the entries of every slot to the stats:
 * whatever way the process ends (exit_group, _exit, SIGKILL), no count is
 * lost; one may count twice only if the thread dies within the few
 * instructions between a move's atomic add and its clearing the entry.
 * An entry left where a small slot's index put it stays valid after the
 * slot widens: it moves to the stats when another stack needs its place.
 */
#define CH_PEND_BITS 8u
#define CH_PEND_SLOTS (1u << CH_PEND_BITS)
#define CH_PEND_SMALL_AT 192u /* a small slot's entries: 192..255 */
/* pend_or: CH_PEND_SMALL_AT in a small slot, 0 in a wide one. */
#define CH_PEND_INDEX(id, pend_or) (((id) | (pend_or)) & (CH_PEND_SLOTS - 1))

typedef struct ch_stack_pend {
    uint32_t id, count; /* count 0: empty */
    uint64_t bytes;
} ch_stack_pend;

/* A recent free of a thread: direct mapped by address (CH_YOUNG_INDEX / 2). */
typedef struct ch_freed {
    uint64_t addr;       /* 0: empty */
    uint64_t size_stack; /* as in ch_live_entry */
    uint64_t free_pc;
    uint64_t drops; /* ch_drops when freed: a later unrecorded allocation may reuse addr */
} ch_freed;
#define CH_FREED_SLOTS CH_SLOT_BUCKETS

/* One cache line: what a malloc and its free of one address touch (young entry, recent free). */
typedef struct ch_slot_bucket {
    ch_live_entry young[2];
    ch_freed freed;
} ch_slot_bucket;

typedef struct ch_thread_slot {
    uint64_t pad0[128]; /* puts the small slot's part in one page: pend[192..] to bucket[31] */
    ch_stack_pend pend[CH_PEND_SLOTS];
    uint64_t n_allocs, n_frees, bytes_alloc, n_events, n_dropped;
    /* Written by the owner only; the launcher reads every entry, wherever it is. */
    uint32_t bucket_mask; /* CH_SLOT_SMALL - 1 while small, CH_SLOT_BUCKETS - 1 once wide */
    uint32_t pend_or;     /* CH_PEND_SMALL_AT while small, 0 once wide: see CH_PEND_INDEX */
    uint32_t collisions;  /* young blocks pushed out by another while small */
    uint32_t pad1[3];     /* the counters fill one cache line */
    ch_slot_bucket bucket[CH_SLOT_BUCKETS];
    uint64_t pad2[376]; /* whole pages */
} ch_thread_slot;

#define CH_MAX_THREAD_SLOTS 4096u

/*
 * ---- invalid frees ----
 * A free or realloc of a pointer that no recorded block has: freed before
 * (the thread slots keep the most recent frees, `freed`) or not a block
 * start malloc could return (misaligned). The agent records each in a slot
 * claimed with a fetch-add of n_bad_frees, then lets glibc do what it does
 * with it (usually abort). Stack ids index the stack table; 0 = unknown.
 */
#define CH_BAD_DOUBLE 1u      /* addr was a recorded block, freed since */
#define CH_BAD_MISALIGNED 2u  /* addr is not 16-byte aligned */
#define CH_BAD_REALLOC 0x100u /* flag: the call was realloc, not free */
#define CH_MAX_BAD_FREES 64u

typedef struct ch_bad_free {
    uint64_t addr;
    uint64_t size;        /* of the block freed before (CH_BAD_DOUBLE) */
    uint32_t kind;        /* CH_BAD_*; 0: slot claimed, not yet written */
    uint32_t stack;       /* the bad call */
    uint32_t alloc_stack; /* the block's allocation (CH_BAD_DOUBLE) */
    uint32_t free_stack;  /* its first free: only the caller's frame (CH_BAD_DOUBLE) */
} ch_bad_free;

/* ---- agent status flags ---- */
#define CH_AGENT_ATTACHED 1u       /* agent initialised and recording */
#define CH_AGENT_FAILED 2u         /* agent stopped recording; see fail_reason */
#define CH_AGENT_FOREIGN_MALLOC 4u /* the program's malloc is `allocator`'s, not glibc's */
#define CH_AGENT_NEW_UNTRACKED 8u  /* operator new/delete are `allocator`'s own: not seen */

/*
 * ---- allocation epochs ----
 * The launcher counts time in epochs (<= CH_MAX_EPOCH) and keeps `epoch`
 * in the header current from a thread of its own; the agent packs the
 * value it reads into each live entry (ch_live_entry.addr), a load and not
 * a clock read per allocation. Only the launcher knows when each epoch
 * began: the agent never interprets the number.
 */

/* ---- the header, at offset 0 ---- */
typedef struct ch_shm_header {
    uint64_t magic;
    uint32_t version;
    uint32_t header_size; /* sizeof(ch_shm_header) */
    uint64_t total_size;  /* size of the memfd */

    /* Written by the launcher before exec. */
    int32_t target_pid;   /* agent records only if getpid() == target_pid */
    uint32_t epoch;       /* the allocation epoch now; see below */
    uint64_t sample_rate; /* bytes; 1 = record every allocation */

    /* Written by the agent. */
    uint32_t agent_flags; /* CH_AGENT_* */
    uint32_t unwind_mode; /* 0 fast (cached rules), 1 exact */
    char fail_reason[128];

    /* Counters: per-thread slots, plus these for threads without a slot (atomic adds). */
    uint64_t n_allocs;    /* recorded allocations */
    uint64_t n_frees;     /* recorded frees (of recorded blocks) */
    uint64_t n_events;    /* interposed calls, recorded or not (sampled: not entry.S's) */
    uint64_t bytes_alloc; /* bytes requested by recorded allocations */
    uint64_t n_dropped;   /* allocations not recorded (table full, reentrancy) */
    uint64_t agent_bytes; /* memory the agent itself uses: own mmaps, touched shm, and of
                             each per-thread cache the rules and walk memos in use */

    /* Regions, fixed at creation by the launcher. */
    uint64_t shards_off; /* ch_live_shard[CH_LIVE_SHARDS] */
    uint64_t heap_off;   /* bump area for shard tables */
    uint64_t heap_size;
    uint64_t heap_used; /* atomic bump pointer, relative to heap_off */

    uint64_t stacks_off; /* ch_stack_entry[stack_cap] */
    uint64_t stats_off;  /* ch_stack_stats[stack_cap] */
    uint32_t stack_cap;  /* power of two, <= 1 << CH_STACK_ID_BITS */
    uint32_t stack_lock; /* spinlock for inserts */
    uint64_t n_stacks;   /* ids 1..n_stacks are in use */
    uint64_t frames_off; /* uint64_t frames area */
    uint64_t frames_size;
    uint64_t frames_used; /* bytes used, written under stack_lock */

    uint64_t modules_off; /* ch_module_entry[CH_MAX_MODULES] */
    uint32_t n_modules;   /* published with release after the entry is written */
    uint32_t module_lock;

    uint64_t marks_off; /* uint64_t[CH_MAX_MARKS] */
    uint32_t n_marks;   /* slots claimed; may exceed CH_MAX_MARKS (then ignored) */
    uint32_t options;   /* written by the launcher: CH_OPT_* (include/cgoheap/follow.h) */

    uint64_t thread_slots_off; /* ch_thread_slot[CH_MAX_THREAD_SLOTS] */
    uint32_t n_thread_slots;   /* slots claimed; may exceed CH_MAX_THREAD_SLOTS (then ignored) */
    uint32_t n_bad_frees;      /* slots of bad_frees claimed; may exceed CH_MAX_BAD_FREES */
    ch_bad_free bad_frees[CH_MAX_BAD_FREES];

    char allocator[64]; /* file name of the program's own allocator, if not glibc */
} ch_shm_header;

/*
 * The record's layout: what ch_shm_create fixes and no one else may change
 * (the regions, and the identity fields ch_shm_validate checks first).
 * One list, expanded where the layout is copied out of or into a header.
 */
#define CH_SHM_LAYOUT_FIELDS(X)                                                                    \
    X(uint64_t, magic)                                                                             \
    X(uint32_t, version)                                                                           \
    X(uint32_t, header_size)                                                                       \
    X(uint64_t, total_size)                                                                        \
    X(uint64_t, shards_off)                                                                        \
    X(uint64_t, heap_off)                                                                          \
    X(uint64_t, heap_size)                                                                         \
    X(uint64_t, stacks_off)                                                                        \
    X(uint64_t, stats_off)                                                                         \
    X(uint32_t, stack_cap)                                                                         \
    X(uint64_t, frames_off)                                                                        \
    X(uint64_t, frames_size)                                                                       \
    X(uint64_t, modules_off)                                                                       \
    X(uint64_t, marks_off)                                                                         \
    X(uint64_t, thread_slots_off)

#define CH_SHM_LAYOUT_MEMBER(T, f) T f;
typedef struct ch_shm_layout {
    CH_SHM_LAYOUT_FIELDS(CH_SHM_LAYOUT_MEMBER)
} ch_shm_layout;
#undef CH_SHM_LAYOUT_MEMBER

static inline void ch_shm_layout_get(ch_shm_layout *l, const ch_shm_header *h)
{
#define CH_SHM_LAYOUT_GET(T, f) l->f = h->f;
    CH_SHM_LAYOUT_FIELDS(CH_SHM_LAYOUT_GET)
#undef CH_SHM_LAYOUT_GET
}

static inline void ch_shm_layout_put(ch_shm_header *h, const ch_shm_layout *l)
{
#define CH_SHM_LAYOUT_PUT(T, f) h->f = l->f;
    CH_SHM_LAYOUT_FIELDS(CH_SHM_LAYOUT_PUT)
#undef CH_SHM_LAYOUT_PUT
}

/*
 * Empties the header for a new program image (after an execve in the
 * target): keeps `layout` and the launcher's settings, drops everything the
 * agent wrote. The regions themselves (from shards_off to the end) must be
 * zeroed by the caller, by punching a hole in the memfd. Valid only while
 * no thread writes the record. The launcher passes the layout it made (at
 * the exec stop, whatever the old image wrote over it); a new image's agent
 * whose launcher is not tracing passes the one it validated.
 */
static inline void ch_shm_forget(ch_shm_header *h, const ch_shm_layout *layout)
{
    ch_shm_layout l = *layout; /* may be read from h itself */
    int32_t pid = h->target_pid;
    uint32_t epoch = h->epoch, options = h->options;
    uint64_t rate = h->sample_rate;
    __builtin_memset(h, 0, sizeof *h);
    ch_shm_layout_put(h, &l);
    h->target_pid = pid;
    h->epoch = epoch;
    h->sample_rate = rate;
    h->options = options;
}

/*
 * The layout both sides compile, pinned: a field added, moved or padded
 * differently (another compiler, another -m flag) stops the build here
 * instead of having each side read the other's fields at other offsets.
 * Any change to these numbers is a new format: bump CH_SHM_VERSION.
 */
#define CH_SHM_AT(T, f, off)                                                                       \
    _Static_assert(__builtin_offsetof(T, f) == (off), #T "." #f ": bump CH_SHM_VERSION")
#define CH_SHM_SIZE(T, n) _Static_assert(sizeof(T) == (n), #T ": bump CH_SHM_VERSION")

CH_SHM_SIZE(ch_live_entry, 16);
CH_SHM_AT(ch_live_entry, size_stack, 8);

CH_SHM_SIZE(ch_live_shard, 64); /* one cache line */
CH_SHM_AT(ch_live_shard, cap, 8);
CH_SHM_AT(ch_live_shard, count, 16);
CH_SHM_AT(ch_live_shard, table_end, 24);
CH_SHM_AT(ch_live_shard, floor_off, 32);

CH_SHM_SIZE(ch_stack_entry, 16);
CH_SHM_AT(ch_stack_entry, frames_off8, 8);
CH_SHM_AT(ch_stack_entry, depth, 12);
CH_SHM_AT(ch_stack_entry, flags, 14);
CH_SHM_SIZE(ch_stack_stats, 16);
CH_SHM_AT(ch_stack_stats, alloc_bytes, 8);

CH_SHM_SIZE(ch_module_entry, 304);
CH_SHM_AT(ch_module_entry, end, 8);
CH_SHM_AT(ch_module_entry, bias, 16);
CH_SHM_AT(ch_module_entry, loaded_after, 24);
CH_SHM_AT(ch_module_entry, unloaded_after, 28);
CH_SHM_AT(ch_module_entry, flags, 32);
CH_SHM_AT(ch_module_entry, build_id_len, 34);
CH_SHM_AT(ch_module_entry, build_id, 40);
CH_SHM_AT(ch_module_entry, path, 72);

/* Marks are bare uint64_t: CH_MARK_* packs them. */
_Static_assert(CH_MAX_MARKS * sizeof(uint64_t) % 4096 == 0, "marks: whole pages");

CH_SHM_SIZE(ch_stack_pend, 16);
CH_SHM_AT(ch_stack_pend, count, 4);
CH_SHM_AT(ch_stack_pend, bytes, 8);
CH_SHM_SIZE(ch_freed, 32);
CH_SHM_AT(ch_freed, size_stack, 8);
CH_SHM_AT(ch_freed, free_pc, 16);
CH_SHM_AT(ch_freed, drops, 24);
CH_SHM_SIZE(ch_slot_bucket, 64); /* one cache line */
CH_SHM_AT(ch_slot_bucket, freed, 32);
CH_SHM_SIZE(ch_thread_slot, 24576); /* whole pages */
CH_SHM_AT(ch_thread_slot, pend, 1024);
CH_SHM_AT(ch_thread_slot, n_allocs, 5120);
CH_SHM_AT(ch_thread_slot, n_frees, 5128);
CH_SHM_AT(ch_thread_slot, bytes_alloc, 5136);
CH_SHM_AT(ch_thread_slot, n_events, 5144);
CH_SHM_AT(ch_thread_slot, n_dropped, 5152);
CH_SHM_AT(ch_thread_slot, bucket_mask, 5160);
CH_SHM_AT(ch_thread_slot, pend_or, 5164);
CH_SHM_AT(ch_thread_slot, collisions, 5168);
CH_SHM_AT(ch_thread_slot, bucket, 5184);
_Static_assert(__builtin_offsetof(ch_thread_slot, pend[CH_PEND_SMALL_AT]) == 4096 &&
                   __builtin_offsetof(ch_thread_slot, bucket[CH_SLOT_SMALL]) <= 8192,
               "a small slot's part is one page");

CH_SHM_SIZE(ch_bad_free, 32);
CH_SHM_AT(ch_bad_free, size, 8);
CH_SHM_AT(ch_bad_free, kind, 16);
CH_SHM_AT(ch_bad_free, stack, 20);
CH_SHM_AT(ch_bad_free, alloc_stack, 24);
CH_SHM_AT(ch_bad_free, free_stack, 28);

CH_SHM_SIZE(ch_shm_header, 2472);
CH_SHM_AT(ch_shm_header, version, 8);
CH_SHM_AT(ch_shm_header, header_size, 12);
CH_SHM_AT(ch_shm_header, total_size, 16);
CH_SHM_AT(ch_shm_header, target_pid, 24);
CH_SHM_AT(ch_shm_header, epoch, 28);
CH_SHM_AT(ch_shm_header, sample_rate, 32);
CH_SHM_AT(ch_shm_header, agent_flags, 40);
CH_SHM_AT(ch_shm_header, unwind_mode, 44);
CH_SHM_AT(ch_shm_header, fail_reason, 48);
CH_SHM_AT(ch_shm_header, n_allocs, 176);
CH_SHM_AT(ch_shm_header, n_frees, 184);
CH_SHM_AT(ch_shm_header, n_events, 192);
CH_SHM_AT(ch_shm_header, bytes_alloc, 200);
CH_SHM_AT(ch_shm_header, n_dropped, 208);
CH_SHM_AT(ch_shm_header, agent_bytes, 216);
CH_SHM_AT(ch_shm_header, shards_off, 224);
CH_SHM_AT(ch_shm_header, heap_off, 232);
CH_SHM_AT(ch_shm_header, heap_size, 240);
CH_SHM_AT(ch_shm_header, heap_used, 248);
CH_SHM_AT(ch_shm_header, stacks_off, 256);
CH_SHM_AT(ch_shm_header, stats_off, 264);
CH_SHM_AT(ch_shm_header, stack_cap, 272);
CH_SHM_AT(ch_shm_header, stack_lock, 276);
CH_SHM_AT(ch_shm_header, n_stacks, 280);
CH_SHM_AT(ch_shm_header, frames_off, 288);
CH_SHM_AT(ch_shm_header, frames_size, 296);
CH_SHM_AT(ch_shm_header, frames_used, 304);
CH_SHM_AT(ch_shm_header, modules_off, 312);
CH_SHM_AT(ch_shm_header, n_modules, 320);
CH_SHM_AT(ch_shm_header, module_lock, 324);
CH_SHM_AT(ch_shm_header, marks_off, 328);
CH_SHM_AT(ch_shm_header, n_marks, 336);
CH_SHM_AT(ch_shm_header, options, 340);
CH_SHM_AT(ch_shm_header, thread_slots_off, 344);
CH_SHM_AT(ch_shm_header, n_thread_slots, 352);
CH_SHM_AT(ch_shm_header, n_bad_frees, 356);
CH_SHM_AT(ch_shm_header, bad_frees, 360);
CH_SHM_AT(ch_shm_header, allocator, 2408);

#undef CH_SHM_AT
#undef CH_SHM_SIZE

#endif
