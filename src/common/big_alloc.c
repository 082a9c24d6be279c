/* The exit path's scratch region; see big_alloc.h. */
#include "common/big_alloc.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>

/* The region kept between uses: one at most, taken whole. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static ch_scratch kept;

/* `bytes` (a multiple of 2 MiB) of fresh memory at a 2 MiB boundary, so that every page of it can
 * be a huge page (a mapping that is not aligned gets 4 KiB pages at its ends). */
static void *map_aligned(size_t bytes)
{
    if (bytes > SIZE_MAX - CH_HUGE_PAGE)
        return NULL;
    uint8_t *p = mmap(NULL, bytes + CH_HUGE_PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    size_t head = (CH_HUGE_PAGE - (uintptr_t)p % CH_HUGE_PAGE) % CH_HUGE_PAGE;
    if (head)
        munmap(p, head);
    if (CH_HUGE_PAGE - head)
        munmap(p + head + bytes, CH_HUGE_PAGE - head);
    (void)madvise(p + head, bytes, MADV_HUGEPAGE); /* a hint: failure costs only speed */
    return p + head;
}

/* r grown to `bytes`: its pages move to an aligned place (mremap moves them, it copies nothing)
 * and only the rest is fresh. -1 (r unmapped) when out of memory. */
static int grow(ch_scratch *r, size_t bytes)
{
    void *to = map_aligned(bytes);
    void *p = to ? mremap(r->p, r->cap, bytes, MREMAP_MAYMOVE | MREMAP_FIXED, to) : MAP_FAILED;
    if (p == MAP_FAILED) {
        munmap(r->p, r->cap);
        if (to)
            munmap(to, bytes);
        *r = (ch_scratch){0};
        return -1;
    }
    (void)madvise(p, bytes, MADV_HUGEPAGE);
    *r = (ch_scratch){p, bytes};
    return 0;
}

void *ch_scratch_take(ch_scratch *s, size_t bytes)
{
    *s = (ch_scratch){0};
    if (bytes < CH_BIG_MIN)
        return s->p = malloc(bytes ? bytes : 1);
    size_t want = ch_round_huge(bytes);
    if (!want)
        return NULL;
    pthread_mutex_lock(&lock);
    ch_scratch r = kept;
    kept = (ch_scratch){0};
    pthread_mutex_unlock(&lock);
    if (r.p && r.cap < want && grow(&r, want))
        return NULL;
    if (!r.p && (r.p = map_aligned(want)))
        r.cap = want;
    *s = r;
    return r.p;
}

void ch_scratch_give(ch_scratch *s)
{
    if (!s->p)
        return;
    if (!s->cap) {
        free(s->p);
        *s = (ch_scratch){0};
        return;
    }
    /* The hint before the region is published: once kept, another thread may take it. */
    pthread_mutex_lock(&lock);
    ch_scratch drop = *s;
    if (s->cap > kept.cap) {
        (void)madvise(s->p, s->cap, MADV_FREE); /* a hint: reclaimable until taken again */
        drop = kept;
        kept = *s;
    }
    pthread_mutex_unlock(&lock);
    if (drop.p)
        munmap(drop.p, drop.cap);
    *s = (ch_scratch){0};
}
