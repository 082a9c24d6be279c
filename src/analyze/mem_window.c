/* Adaptive read-ahead over the read callback; see mem_window.h for why. */
#include "analyze/mem_window.h"

#include <stdlib.h>

#define AHEAD_MIN 4096u

int ch_mem_window_init(ch_mem_window *w, ch_read_fn read, void *ctx)
{
    *w = (ch_mem_window){.read = read, .ctx = ctx, .ahead = AHEAD_MIN};
    w->buf = malloc(CH_WINDOW_MAX);
    return w->buf ? 0 : -1;
}

void ch_mem_window_free(ch_mem_window *w)
{
    free(w->buf);
    w->buf = NULL;
}

/*
 * Sequential access (or nearly: a small gap between blocks) grows the
 * window, in either direction: the mark stack pops blocks found in one
 * region in reverse address order. A jump shrinks it.
 */
static void adapt(ch_mem_window *w, uint64_t addr, int *backward)
{
    int forward = addr >= w->last_end && addr - w->last_end <= w->ahead;
    *backward = addr < w->base && w->base - addr <= w->ahead;
    if ((forward || *backward) && w->ahead < CH_WINDOW_MAX)
        w->ahead *= 2;
    else if (!forward && !*backward && w->ahead > AHEAD_MIN)
        w->ahead /= 2;
}

static long fill(ch_mem_window *w, uint64_t base, size_t size)
{
    long got = w->read(w->ctx, base, w->buf, size);
    w->n_reads++;
    w->base = base;
    w->len = got > 0 ? (size_t)got : 0;
    return got;
}

const uint8_t *ch_mem_window_get(ch_mem_window *w, uint64_t addr, size_t *len)
{
    size_t want = *len;
    if (addr >= w->base && addr - w->base < w->len && w->len - (addr - w->base) >= want) {
        w->last_end = addr + want;
        return w->buf + (addr - w->base);
    }
    int backward;
    adapt(w, addr, &backward);
    size_t size = want > w->ahead ? want : w->ahead;
    if (addr > UINT64_MAX - size) /* never ask past the end of the address space */
        size = (size_t)(UINT64_MAX - addr);
    uint64_t end = addr + want;
    /* Backward: end the window at this request. If the bytes before it
     * cannot be read (a hole), read from addr as usual. */
    if (!backward || end < size || fill(w, end - size, size) < (long)size)
        fill(w, addr, size);
    w->last_end = end;
    size_t off = (size_t)(addr - w->base);
    *len = w->len <= off ? 0 : (w->len - off < want ? w->len - off : want);
    return w->buf + off;
}
