/*
 * Bounded readers for the DWARF data in .eh_frame: LEB128 and the pointer
 * encodings (DW_EH_PE_*). A cursor never reads past `end`; on overrun it
 * sets ok = 0 and returns zeros, so a truncated or hostile record ends the
 * parse instead of faulting.
 */
#ifndef CGOHEAP_AGENT_DWARF_H
#define CGOHEAP_AGENT_DWARF_H

#include <stdint.h>
#include <string.h>

typedef struct ch_cursor {
    const uint8_t *p, *end;
    int ok;
} ch_cursor;

static inline int cur_need(ch_cursor *c, uint64_t n)
{
    if (!c->ok || (uint64_t)(c->end - c->p) < n) {
        c->ok = 0;
        return 0;
    }
    return 1;
}

static inline uint64_t cur_fixed(ch_cursor *c, unsigned n)
{
    uint64_t v = 0;
    if (!cur_need(c, n))
        return 0;
    memcpy(&v, c->p, n); /* x86-64 is little-endian: low bytes first */
    c->p += n;
    return v;
}

static inline uint8_t cur_u8(ch_cursor *c)
{
    return (uint8_t)cur_fixed(c, 1);
}

static inline uint64_t cur_uleb(ch_cursor *c)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (!cur_need(c, 1))
            return 0;
        uint8_t b = *c->p++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
}

static inline int64_t cur_sleb(ch_cursor *c)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        if (!cur_need(c, 1))
            return 0;
        b = *c->p++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40))
        v |= ~0ull << shift;
    return (int64_t)v;
}

#define CH_PE_OMIT 0xff
#define CH_PE_INDIRECT 0x80

/*
 * Reads a DW_EH_PE-encoded value. pcrel is relative to the field's own
 * address; datarel to `datarel_base` (the .eh_frame_hdr). textrel, funcrel
 * and aligned are not emitted for x86-64 .eh_frame and fail the cursor. The
 * indirect bit is returned in *indirect, not dereferenced: the caller decides
 * whether it needs (and may safely read) the target.
 */
static inline uint64_t cur_encoded(ch_cursor *c, uint8_t enc, uint64_t datarel_base, int *indirect)
{
    uint64_t field = (uint64_t)c->p, v;
    if (indirect)
        *indirect = (enc & CH_PE_INDIRECT) != 0;
    switch (enc & 0x0f) {
    case 0x00:
        v = cur_fixed(c, 8);
        break;
    case 0x01:
        v = cur_uleb(c);
        break;
    case 0x02:
        v = cur_fixed(c, 2);
        break;
    case 0x03:
        v = cur_fixed(c, 4);
        break;
    case 0x04:
        v = cur_fixed(c, 8);
        break;
    case 0x09:
        v = (uint64_t)cur_sleb(c);
        break;
    case 0x0a:
        v = (uint64_t)(int64_t)(int16_t)cur_fixed(c, 2);
        break;
    case 0x0b:
        v = (uint64_t)(int64_t)(int32_t)cur_fixed(c, 4);
        break;
    case 0x0c:
        v = cur_fixed(c, 8);
        break;
    default:
        c->ok = 0;
        return 0;
    }
    switch (enc & 0x70) {
    case 0x00:
        break;
    case 0x10:
        v += field;
        break;
    case 0x30:
        v += datarel_base;
        break;
    default:
        c->ok = 0;
        return 0;
    }
    return v;
}

#endif
