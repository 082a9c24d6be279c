/*
 * Go heap objects' type names (see gotype_name.h). Everything is read from
 * a process that may be hostile: the type must lie in the types' data, its
 * name too, and the name must hold no control character, or it is unknown.
 */
#include "collect/gotype_name.h"
#include "collect/goread.h"
#include "common/search.h"

#include <string.h>

#define TFLAG_EXTRA_STAR 2 /* abi.TFlagExtraStar: the name has a '*' too many */
#define NAME_MAX_BYTES 200 /* longer names are cut, as the line they go to is */

/* The type object i was allocated with, or 0. */
static uint64_t type_of(const ch_go_heap *h, const ch_go_reader *r, uint64_t i)
{
    size_t k = CH_FIRST_ABOVE(h->spans, h->nspans, first, i);
    if (!k)
        return 0;
    const ch_go_span *s = &h->spans[k - 1];
    uint64_t t = s->type;
    if (t == CH_GO_TYPE_HEADER &&
        ch_go_read(r, s->start + (i - s->first) * s->elemsize, &t, sizeof t))
        return 0;
    return t;
}

int ch_go_type_name(const ch_go_heap *h, uint64_t i, ch_read_fn read, void *ctx, char *out,
                    size_t len)
{
    const struct ch_go_types *ty = &h->types;
    const ch_go_reader r = {.read = read, .ctx = ctx};
    uint64_t t = h->nspans && ty->lo < ty->hi ? type_of(h, &r, i) : 0;
    int32_t str;
    uint8_t tflag, name[3 + NAME_MAX_BYTES];
    if (t < ty->lo || t >= ty->hi || ty->read > ty->hi - t || ty->str + 4 > ty->read ||
        ty->tflag >= ty->read || ch_go_read(&r, t + ty->str, &str, 4) ||
        ch_go_read(&r, t + ty->tflag, &tflag, 1) || str <= 0 || (uint64_t)str >= ty->hi - ty->lo)
        return -1;
    uint64_t at = ty->lo + (uint64_t)str, avail = ty->hi - at;
    size_t want = avail < sizeof name ? (size_t)avail : sizeof name;
    if (want < 3 || ch_go_read(&r, at, name, want))
        return -1;
    /* A varint of one or two bytes: names of Go types are shorter than 16 KiB. */
    size_t n = name[1] & 0x7f, skip = 2;
    if (name[1] & 0x80) {
        if (name[2] & 0x80)
            return -1;
        n |= (size_t)name[2] << 7;
        skip = 3;
    }
    size_t have = want - skip;
    const uint8_t *s = name + skip;
    if ((tflag & TFLAG_EXTRA_STAR) && n && *s == '*')
        s++, n--, have--;
    if (!n || (n > have && want < sizeof name)) /* past the types' end */
        return -1;
    n = n < have ? n : have;
    for (size_t k = 0; k < n; k++)
        if (s[k] < 0x20 || s[k] == 0x7f) /* UTF-8 stays */
            return -1;
    if (len == 0)
        return -1;
    n = n < len - 1 ? n : len - 1;
    memcpy(out, s, n);
    out[n] = 0;
    return 0;
}
