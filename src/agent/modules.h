/*
 * Loaded modules: a private, sorted snapshot used by the unwinder to find
 * .eh_frame_hdr for a pc, and the append-only module table in shm that the
 * symbolizer reads after the target is gone.
 */
#ifndef CGOHEAP_AGENT_MODULES_H
#define CGOHEAP_AGENT_MODULES_H

#include <stdint.h>

#define CH_MOD_SEGS 4u /* readable PT_LOAD segments kept per module */

typedef struct ch_mod {
    uint64_t start, end, bias;
    const uint8_t *eh_hdr;   /* .eh_frame_hdr, or NULL: no CFI (FP walk) */
    const uint8_t *eh_table; /* binary-search table (datarel sdata4 pairs) */
    uint32_t fde_count;
    uint32_t nseg;
    uint64_t seg_lo[CH_MOD_SEGS], seg_hi[CH_MOD_SEGS];
} ch_mod;

/* Scans dl_iterate_phdr, fills the snapshot and the shm table. Called at attach. */
void ch_modules_init(void);

/*
 * Finds the module containing pc and copies it to *out. Rescans the loaded
 * objects if pc is in none (a dlopen since the last scan). Returns 0 if
 * none, else CH_MOD_FOUND; with CH_MOD_UNSURE if the answer came from a
 * lookup of its own (found or not), made while a dlclose is in progress,
 * before a rescan after one, or while another thread's rescan was not
 * published: right for this walk, but not to be cached.
 */
#define CH_MOD_FOUND 1
#define CH_MOD_UNSURE 2
int ch_module_find(uint64_t pc, ch_mod *out);

/* True if [p, p+len) lies inside one readable segment of m: CFI reads never fault. */
int ch_mod_readable(const ch_mod *m, const void *p, uint64_t len);

/* Generation: bumped before and after every dlclose; rule caches filled earlier are stale. */
extern uint64_t ch_modules_generation;

static inline uint64_t ch_modules_gen(void)
{
    return __atomic_load_n(&ch_modules_generation, __ATOMIC_ACQUIRE);
}

/*
 * dlcloses in progress. While one is, a library may be gone and another
 * mapped where it was, its .eh_frame where the snapshot and the caches say
 * the old one's is: walks use no cache and look modules up themselves.
 * Read after ch_modules_gen(): a walk that saw the generation a dlclose's
 * first bump made sees that dlclose in progress or its second bump.
 */
extern uint32_t ch_modules_closing;

static inline int ch_modules_unsettled(void)
{
    return __atomic_load_n(&ch_modules_closing, __ATOMIC_ACQUIRE) != 0;
}
void ch_modules_before_dlclose(void);
void ch_modules_after_dlclose(void);

/*
 * The hash a new stack is recorded under (stacks.h: ch_stack_hash gave h):
 * h itself unless some frame lies where a module was unloaded, then h mixed
 * with the count of unloads seen, so that the same pcs recorded with
 * another module there get a stack of their own. Costs one load while no
 * module was ever unloaded.
 */
extern uint64_t ch_unload_epoch; /* rescans that found a module gone */
uint64_t ch_modules_stack_hash_slow(const uint64_t *frames, uint32_t depth, uint64_t h);
static inline uint64_t ch_modules_stack_hash(const uint64_t *frames, uint32_t depth, uint64_t h)
{
    if (__builtin_expect(__atomic_load_n(&ch_unload_epoch, __ATOMIC_ACQUIRE) == 0, 1))
        return h;
    return ch_modules_stack_hash_slow(frames, depth, h);
}

/* Checks for objects loaded since the last scan (cheap when nothing changed). */
void ch_modules_refresh(void);

#endif
