#include "collect/pagemap.h"
#include "common/grow.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE 4096ull
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define CHUNK 4096 /* pagemap entries read at once */

typedef struct out_list {
    ch_region *v;
    size_t n, cap;
} out_list;

static int push(out_list *o, const ch_region *like, uint64_t start, uint64_t end)
{
    if (o->n && o->v[o->n - 1].end == start && !strcmp(o->v[o->n - 1].name, like->name)) {
        o->v[o->n - 1].end = end; /* extend the run */
        return 0;
    }
    if (o->n == o->cap) {
        ch_region *v = ch_grow(o->v, &o->cap, sizeof *v, 64);
        if (!v)
            return -1;
        o->v = v;
    }
    o->v[o->n] = *like;
    o->v[o->n].start = start;
    o->v[o->n].end = end;
    o->n++;
    return 0;
}

/* Appends the resident parts of r; -1 if pagemap cannot be read. */
static int resident_parts(int fd, const ch_region *r, out_list *o)
{
    uint64_t e[CHUNK];
    uint64_t first = r->start / PAGE, last = (r->end + PAGE - 1) / PAGE;
    for (uint64_t pg = first; pg < last;) {
        size_t want = last - pg < CHUNK ? (size_t)(last - pg) : CHUNK;
        ssize_t got = pread(fd, e, want * sizeof e[0], (off_t)(pg * sizeof e[0]));
        if (got <= 0 || got % (ssize_t)sizeof e[0])
            return -1;
        size_t n = (size_t)got / sizeof e[0];
        for (size_t i = 0; i < n; i++) {
            if (!(e[i] & (PM_PRESENT | PM_SWAPPED)))
                continue;
            uint64_t lo = (pg + i) * PAGE, hi = lo + PAGE;
            if (push(o, r, lo < r->start ? r->start : lo, hi > r->end ? r->end : hi))
                return -1;
        }
        pg += n;
    }
    return 0;
}

ch_region *ch_roots_resident(pid_t pid, ch_region *roots, size_t *nroots)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/pagemap", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return roots;
    out_list o = {0};
    int bad = 0;
    for (size_t i = 0; i < *nroots && !bad; i++)
        bad = roots[i].end > roots[i].start && resident_parts(fd, &roots[i], &o);
    close(fd);
    if (bad) {
        free(o.v);
        return roots;
    }
    free(roots);
    *nroots = o.n;
    return o.v ? o.v : calloc(1, sizeof(ch_region));
}
