/* Formatted text per distinct frame; see report_fmemo.h. */
#include "report/report_fmemo.h"
#include <stdlib.h>

struct chr_fmemo_slot {
    ch_frame key;
    size_t off, len; /* the text, in m->text */
    bool used;
};

void chr_fmemo_init(chr_fmemo *m, chr_frame_fmt fmt)
{
    memset(m, 0, sizeof *m);
    m->fmt = fmt;
    chr_out_init(&m->text, NULL);
}

void chr_fmemo_free(chr_fmemo *m)
{
    free(m->slots);
    chr_out_free(&m->text);
    memset(m, 0, sizeof *m);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

static uint64_t hash_frame(const ch_frame *f)
{
    uint64_t h = mix(f->pc, (uintptr_t)f->function);
    h = mix(h, (uintptr_t)f->file ^ (uint64_t)(unsigned)f->line << 32);
    return mix(h, (uintptr_t)f->module ^ f->module_off ^ (uint64_t)f->inlined << 62 ^
                      (uint64_t)f->internal << 63);
}

/* Field by field: padding bytes of a frame are not part of it. */
static bool same_frame(const ch_frame *a, const ch_frame *b)
{
    return a->pc == b->pc && a->function == b->function && a->file == b->file &&
           a->line == b->line && a->module == b->module && a->module_off == b->module_off &&
           a->inlined == b->inlined && a->internal == b->internal;
}

static chr_fmemo_slot *find(const chr_fmemo *m, const ch_frame *f)
{
    size_t mask = m->nslots - 1;
    for (size_t i = hash_frame(f) & mask;; i = (i + 1) & mask)
        if (!m->slots[i].used || same_frame(&m->slots[i].key, f))
            return &m->slots[i];
}

static bool grow(chr_fmemo *m)
{
    size_t nslots = m->nslots ? 2 * m->nslots : 1024;
    chr_fmemo_slot *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return false;
    chr_fmemo bigger = {.slots = slots, .nslots = nslots};
    for (size_t i = 0; i < m->nslots; i++)
        if (m->slots[i].used)
            *find(&bigger, &m->slots[i].key) = m->slots[i];
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    return true;
}

/* The slot holding fr's text, formatting it first if new; NULL when out of memory. */
static const chr_fmemo_slot *lookup(chr_fmemo *m, const ch_frame *fr)
{
    /* Load factor at most 1/2: probes stay short. */
    if ((m->used + 1) * 2 > m->nslots && !grow(m))
        return NULL;
    chr_fmemo_slot *s = find(m, fr);
    if (s->used)
        return s;
    size_t off = m->text.len;
    m->fmt(&m->text, fr);
    if (m->text.failed)
        return NULL;
    *s = (chr_fmemo_slot){.key = *fr, .off = off, .len = m->text.len - off, .used = true};
    m->used++;
    return s;
}

void chr_fmemo_put(chr_fmemo *m, chr_out *out, const ch_frame *fr)
{
    const chr_fmemo_slot *s = lookup(m, fr);
    if (s)
        chr_out_mem(out, m->text.buf + s->off, s->len);
    else
        m->fmt(out, fr);
}
