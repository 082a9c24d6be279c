/*
 * .eh_frame records: the .eh_frame_hdr binary search, FDEs and their CIEs.
 * Reads stay inside the module's readable segments (ch_mod_readable).
 */
#include "agent/ehframe.h"

#include <string.h>

/* Opens a cursor over one CIE/FDE record at p; *body points after the length field. */
static int open_record(const ch_mod *m, const uint8_t *p, ch_cursor *c)
{
    ch_cursor len = {p, p + 12, 1};
    if (!ch_mod_readable(m, p, 4))
        return 0;
    uint64_t n = cur_fixed(&len, 4);
    if (n == 0xffffffffu) {
        if (!ch_mod_readable(m, p, 12))
            return 0;
        n = cur_fixed(&len, 8);
    }
    if (n == 0 || !ch_mod_readable(m, len.p, n))
        return 0;
    c->p = len.p;
    c->end = len.p + n;
    c->ok = 1;
    return 1;
}

static int parse_augmentation(ch_cursor *c, const char *aug, cie_info *ci)
{
    if (aug[0] != 'z')
        return aug[0] == 0; /* no augmentation data at all */
    ci->has_z = 1;
    uint64_t len = cur_uleb(c);
    if (!cur_need(c, len))
        return 0;
    const uint8_t *data_end = c->p + len;
    for (const char *a = aug + 1; *a && c->ok; a++) {
        if (*a == 'R')
            ci->fde_enc = cur_u8(c);
        else if (*a == 'L')
            (void)cur_u8(c);
        else if (*a == 'P')
            (void)cur_encoded(c, cur_u8(c), 0, NULL);
        else if (*a != 'S')
            break; /* unknown letter: its data is skipped via the 'z' length */
    }
    c->p = data_end;
    return c->ok;
}

static int parse_cie(const ch_mod *m, const uint8_t *p, cie_info *ci)
{
    ch_cursor c;
    memset(ci, 0, sizeof *ci);
    if (!open_record(m, p, &c) || cur_fixed(&c, 4) != 0) /* CIE id is 0 in .eh_frame */
        return 0;
    uint8_t version = cur_u8(&c);
    const char *aug = (const char *)c.p;
    const uint8_t *nul = memchr(c.p, 0, (size_t)(c.end - c.p));
    if (!nul || (version != 1 && version != 3))
        return 0;
    c.p = nul + 1;
    if (strstr(aug, "eh"))
        return 0; /* pre-2000 gcc layout with an extra pointer */
    ci->code_align = cur_uleb(&c);
    ci->data_align = cur_sleb(&c);
    ci->ra_reg = version == 1 ? cur_u8(&c) : cur_uleb(&c);
    if (!parse_augmentation(&c, aug, ci) || !c.ok)
        return 0;
    ci->insn = c.p;
    ci->insn_end = c.end;
    return 1;
}

/* Finds the FDE whose range covers target via the .eh_frame_hdr table. */
const uint8_t *ch_find_fde(const ch_mod *m, uint64_t target)
{
    const int32_t *t = (const int32_t *)m->eh_table;
    uint64_t base = (uint64_t)m->eh_hdr;
    uint32_t lo = 0, hi = m->fde_count;
    while (lo < hi) { /* first entry whose initial location is > target */
        uint32_t mid = lo + (hi - lo) / 2;
        if (base + (int64_t)t[2 * mid] <= target)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    return (const uint8_t *)(base + (int64_t)t[2 * (lo - 1) + 1]);
}

/* Parses the FDE at p for target; fills the CIE and the FDE's instruction range. */
int ch_open_fde(const ch_mod *m, const uint8_t *p, uint64_t target, cie_info *ci,
                uint64_t *pc_begin, ch_cursor *insns)
{
    ch_cursor c;
    if (!open_record(m, p, &c))
        return 0;
    const uint8_t *id_field = c.p;
    uint64_t cie_off = cur_fixed(&c, 4);
    if (cie_off == 0 || cie_off > (uint64_t)id_field) /* 0 would make this a CIE */
        return 0;
    if (!parse_cie(m, id_field - cie_off, ci))
        return 0;
    *pc_begin = cur_encoded(&c, ci->fde_enc, 0, NULL);
    uint64_t range = cur_encoded(&c, ci->fde_enc & 0x0f, 0, NULL);
    if (ci->has_z) {
        uint64_t len = cur_uleb(&c);
        if (cur_need(&c, len))
            c.p += len;
    }
    if (!c.ok || target < *pc_begin || target - *pc_begin >= range)
        return 0;
    *insns = c;
    return 1;
}
