
/*
 * The shared record's layout: created by the launcher, mapped whole by the
 * launcher and by the agent in the target.
 */
#include "common/shm_layout.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* Reserved (sparse) sizes. Only touched pages cost memory. */
#define LIVE_HEAP_SIZE (16ull << 30) /* grows shard tables; enough for >100M live */
#define FRAMES_SIZE (4ull << 30)
/* Under a limit, the record takes at most this share of the address space
 * (the launcher and the target each map it whole; the target needs the rest). */
#define LIMIT_SHARE 4
/* Smallest useful areas: a few hundred thousand live blocks and stacks. */
#define MIN_AREA (8ull << 20)
#define MIN_STACK_CAP (1u << 16)

/* Bytes of the regions whose size does not depend on the limit, up to the frames. */
static uint64_t fixed_bytes(uint32_t stack_cap);

/*
 * Sizes the frames and heap areas (and may lower *stack_cap) to fit
 * RLIMIT_AS: a fixed 21 GiB reservation fails under `ulimit -v 8G`. The
 * heap keeps 4/5 of what is left, as in the unlimited sizes. Returns 0, or
 * -1 with errno ENOMEM when even the smallest record does not fit.
 */
static int size_areas(uint32_t *stack_cap, uint64_t *frames, uint64_t *heap)
{
    struct rlimit rl;
    *frames = FRAMES_SIZE;
    *heap = LIVE_HEAP_SIZE;
    if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return 0;
    uint64_t budget = (uint64_t)rl.rlim_cur / LIMIT_SHARE;
    while (*stack_cap > MIN_STACK_CAP && fixed_bytes(*stack_cap) > budget / 2)
        *stack_cap /= 2;
    uint64_t fixed = fixed_bytes(*stack_cap);
    if (fixed + 2 * MIN_AREA > budget) {
        errno = ENOMEM;
        return -1;
    }
    uint64_t rest = budget - fixed;
    if (rest < FRAMES_SIZE + LIVE_HEAP_SIZE) {
        *frames = (rest / 5) & ~4095ull;
        *heap = (rest - *frames) & ~4095ull;
    }
    return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static uint64_t fixed_bytes(uint32_t stack_cap)
{
    uint64_t off = align_up(sizeof(ch_shm_header), 4096);
    off = align_up(off + CH_LIVE_SHARDS * sizeof(ch_live_shard), 4096);
    off = align_up(off + CH_MAX_MODULES * sizeof(ch_module_entry), 4096);
    off = align_up(off + CH_MAX_MARKS * sizeof(uint64_t), 4096);
    off = align_up(off + CH_MAX_THREAD_SLOTS * sizeof(ch_thread_slot), 4096);
    off = align_up(off + (uint64_t)stack_cap * sizeof(ch_stack_entry), 4096);
    return align_up(off + (uint64_t)stack_cap * sizeof(ch_stack_stats), 4096);
}

int ch_shm_create(ch_shm *shm, uint64_t sample_rate, uint32_t stack_cap)
{
    uint64_t frames_size, heap_size;
    if (size_areas(&stack_cap, &frames_size, &heap_size))
        return -1;
    uint64_t off = align_up(sizeof(ch_shm_header), 4096);
    ch_shm_header h;
    memset(&h, 0, sizeof h);
    h.magic = CH_SHM_MAGIC;
    h.version = CH_SHM_VERSION;
    h.header_size = sizeof h;
    h.sample_rate = sample_rate ? sample_rate : 1;
    h.shards_off = off;
    off = align_up(off + CH_LIVE_SHARDS * sizeof(ch_live_shard), 4096);
    h.modules_off = off;
    off = align_up(off + CH_MAX_MODULES * sizeof(ch_module_entry), 4096);
    h.marks_off = off;
    off = align_up(off + CH_MAX_MARKS * sizeof(uint64_t), 4096);
    h.thread_slots_off = off;
    off = align_up(off + CH_MAX_THREAD_SLOTS * sizeof(ch_thread_slot), 4096);
    h.stack_cap = stack_cap;
    h.stacks_off = off;
    off = align_up(off + (uint64_t)stack_cap * sizeof(ch_stack_entry), 4096);
    h.stats_off = off;
    off = align_up(off + (uint64_t)stack_cap * sizeof(ch_stack_stats), 4096);
    h.frames_off = off;
    h.frames_size = frames_size;
    off = align_up(off + frames_size, 4096);
    h.heap_off = off;
    h.heap_size = heap_size;
    off = align_up(off + heap_size, 4096);
    h.total_size = off;

    /* Not CLOEXEC: the target inherits it across exec. */
    int fd = memfd_create("cgoheap", 0);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)off) != 0)
        goto fail;
    void *p = mmap(NULL, off, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    if (p == MAP_FAILED)
        goto fail;
    memcpy(p, &h, sizeof h);
    ch_shm_layout_get(&shm->layout, &h);
    shm->fd = fd;
    shm->hdr = p;
    shm->size = off;
    return 0;
fail:;
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

/* Zeroes [off, off+len) of the memfd; punching a hole also frees its pages. */
static int zero_region(ch_shm *shm, uint64_t off, uint64_t len)
{
    /* Never memset instead: the regions are gigabytes of sparse file. */
    if (len == 0)
        return 0;
    return fallocate(shm->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len);
}

int ch_shm_reset(ch_shm *shm)
{
    const ch_shm_layout *l = &shm->layout;
    if (l->total_size != shm->size || l->shards_off > l->total_size) {
        errno = EINVAL; /* not a record ch_shm_create made */
        return -1;
    }
    if (zero_region(shm, l->shards_off, l->total_size - l->shards_off))
        return -1;
    ch_shm_forget(shm->hdr, l);
    return 0;
}

/*
 * A process that does not load the agent (a static program, a set-user-ID
 * one) started by the target through vfork or posix_spawn, which run no
 * fork handler, inherits the record's descriptor through its exec and keeps
 * it for as long as it lives. Its pages are freed here: a hole reads as
 * zeros, so whatever still maps the file never faults.
 */
void ch_shm_destroy(ch_shm *shm)
{
    if (shm->hdr)
        (void)zero_region(shm, 0, shm->size);
    if (shm->hdr)
        munmap(shm->hdr, shm->size);
    if (shm->fd >= 0)
        close(shm->fd);
    shm->hdr = NULL;
    shm->fd = -1;
}

static int region_ok(uint64_t off, uint64_t len, size_t size)
{
    return off <= size && len <= size - off;
}

/*
 * The one check of a record's header, for both sides: the agent before it
 * writes through any offset, the launcher before it reads through one. Pure
 * arithmetic on the header: no allocation, no lock, no system call (the
 * agent calls it inside the target, maybe from its first malloc).
 */
const char *ch_shm_validate(const ch_shm_header *h, size_t size)
{
    if (size < sizeof *h || h->magic != CH_SHM_MAGIC)
        return "not a cgoheap record (bad magic)";
    if (h->version != CH_SHM_VERSION || h->header_size != sizeof *h)
        return "cgoheap record of another version";
    if (h->total_size != size)
        return "cgoheap record has the wrong size";
    /* Id 0 is "no stack": a table of one entry holds none. */
    if (h->stack_cap < 2 || (h->stack_cap & (h->stack_cap - 1)) ||
        h->stack_cap > (1u << CH_STACK_ID_BITS))
        return "cgoheap record has a bad stack capacity";
    if (!region_ok(h->shards_off, CH_LIVE_SHARDS * sizeof(ch_live_shard), size) ||
        !region_ok(h->modules_off, CH_MAX_MODULES * sizeof(ch_module_entry), size) ||
        !region_ok(h->stacks_off, (uint64_t)h->stack_cap * sizeof(ch_stack_entry), size) ||
        !region_ok(h->stats_off, (uint64_t)h->stack_cap * sizeof(ch_stack_stats), size) ||
        !region_ok(h->marks_off, CH_MAX_MARKS * sizeof(uint64_t), size) ||
        !region_ok(h->thread_slots_off, CH_MAX_THREAD_SLOTS * sizeof(ch_thread_slot), size) ||
        !region_ok(h->frames_off, h->frames_size, size) ||
        !region_ok(h->heap_off, h->heap_size, size))
        return "cgoheap record has a region outside the file";
    /* ch_shm_create page-aligns every region: anything else would make misaligned reads, and
     * the agent releases shard tables' pages by whole pages of the heap area. */
    if ((h->shards_off | h->modules_off | h->marks_off | h->thread_slots_off | h->stacks_off |
         h->stats_off | h->frames_off | h->heap_off) &
        4095)
        return "cgoheap record has a misaligned region";
    if (h->frames_size / 8 > UINT32_MAX) /* a stack's frames_off8 is 32 bits */
        return "cgoheap record has a frames area too large to index";
    if (h->frames_used > h->frames_size || h->heap_used > h->heap_size ||
        h->n_modules > CH_MAX_MODULES)
        return "cgoheap record is corrupt (usage past its region)";
    return NULL;
}
