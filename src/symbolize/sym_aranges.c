/*
 * .debug_aranges (DWARF 2-5, section 6.1.2): sets of (address, length) pairs,
 * each set headed by its unit's offset in .debug_info. Only 8-byte addresses
 * without segments are taken: any other set makes the whole table unusable,
 * and the caller then reads .debug_info whole, as before.
 */
#include "symbolize/sym_aranges.h"
#include "common/dwarf_prefix.h"
#include "common/grow.h"
#include "common/search.h"

#include <stdlib.h>
#include <string.h>

typedef struct cursor {
    const uint8_t *p, *end;
} cursor;

static bool take(cursor *c, void *out, size_t n)
{
    if ((size_t)(c->end - c->p) < n)
        return false;
    memcpy(out, c->p, n);
    c->p += n;
    return true;
}

static int add(sym_aranges *a, size_t *cap, uint64_t lo, uint64_t len, uint64_t unit)
{
    if (a->n == *cap) {
        sym_arange *grown = ch_grow(a->ranges, cap, sizeof(*grown), 256);
        if (grown == NULL)
            return -1;
        a->ranges = grown;
    }
    a->ranges[a->n++] = (sym_arange){lo, lo + len, unit};
    return 0;
}

/* One set: header, padding to twice the address size, pairs up to (0, 0). */
static int read_set(sym_aranges *a, size_t *cap, cursor *c)
{
    const uint8_t *start = c->p; /* padding counts from here, as libdw's does */
    uint32_t len32;
    uint64_t len, unit = 0;
    bool dwarf64 = false;
    if (!take(c, &len32, 4))
        return -1;
    if (len32 == 0xffffffffu) {
        if (!take(c, &len, 8))
            return -1;
        dwarf64 = true;
    } else if (len32 >= 0xfffffff0u) {
        return -1;
    } else {
        len = len32;
    }
    if (len > (uint64_t)(c->end - c->p))
        return -1;
    cursor set = {c->p, c->p + len};
    c->p = set.end;
    uint16_t version;
    uint8_t addr_size, seg_size;
    if (!take(&set, &version, 2) || version < 2 || version > 5 ||
        !take(&set, &unit, dwarf64 ? 8 : 4) || !take(&set, &addr_size, 1) ||
        !take(&set, &seg_size, 1) || addr_size != 8 || seg_size != 0)
        return -1;
    size_t pad = (size_t)(16 - (size_t)(set.p - start) % 16) % 16;
    if ((size_t)(set.end - set.p) < pad)
        return -1;
    set.p += pad;
    uint64_t pair[2];
    while (take(&set, pair, sizeof(pair))) {
        if (pair[0] == 0 && pair[1] == 0)
            break;
        if (pair[1] != 0 && pair[0] + pair[1] > pair[0] && add(a, cap, pair[0], pair[1], unit) != 0)
            return -1;
    }
    return 0;
}

static int cmp_lo(const void *x, const void *y)
{
    const sym_arange *a = x, *b = y;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

int sym_aranges_read(sym_aranges *a, const ch_dwarf_source *src)
{
    memset(a, 0, sizeof(*a));
    uint8_t *bytes;
    size_t size, cap = 0;
    if (ch_dwarf_section_read(src, ".debug_aranges", &bytes, &size) != 0)
        return -1;
    cursor c = {bytes, bytes + size};
    int rc = 0;
    while (rc == 0 && c.p < c.end)
        rc = read_set(a, &cap, &c);
    free(bytes);
    if (rc != 0 || a->n == 0) {
        sym_aranges_free(a);
        return -1;
    }
    qsort(a->ranges, a->n, sizeof(*a->ranges), cmp_lo);
    return 0;
}

void sym_aranges_free(sym_aranges *a)
{
    free(a->ranges);
    memset(a, 0, sizeof(*a));
}

bool sym_aranges_unit(const sym_aranges *a, uint64_t vaddr, uint64_t *unit)
{
    size_t i = CH_FIRST_ABOVE(a->ranges, a->n, lo, vaddr);
    /* Sets rarely overlap, but a few earlier ranges may still be wider. */
    for (size_t tried = 0; i > 0 && tried < 4; i--, tried++)
        if (vaddr < a->ranges[i - 1].hi) {
            *unit = a->ranges[i - 1].unit;
            return true;
        }
    return false;
}
