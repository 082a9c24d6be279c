/* Formatted text per distinct frame; see report_fmemo.h. */
#include "report/report_fmemo.h"
#include "common/grow.h"
#include <stdlib.h>

struct chr_fmemo_entry {
    ch_frame key;
    size_t off, len; /* the text, in m->text */
};

void chr_fmemo_init(chr_fmemo *m, chr_frame_fmt fmt)
{
    memset(m, 0, sizeof *m);
    m->fmt = fmt;
    chr_out_init(&m->text, NULL);
}

void chr_fmemo_free(chr_fmemo *m)
{
    ch_u64map_free(&m->by_hash);
    free(m->entries);
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
                      (uint64_t)f->glue << 63);
}

/* Field by field: padding bytes of a frame are not part of it. */
static bool same_frame(const ch_frame *a, const ch_frame *b)
{
    return a->pc == b->pc && a->function == b->function && a->file == b->file &&
           a->line == b->line && a->module == b->module && a->module_off == b->module_off &&
           a->inlined == b->inlined && a->glue == b->glue;
}

/* Adds fr's text as a new entry; its index, or -1 when out of memory. */
static long add(chr_fmemo *m, const ch_frame *fr)
{
    if (m->n == m->cap) {
        chr_fmemo_entry *e = ch_grow(m->entries, &m->cap, sizeof *e, 1024);
        if (!e)
            return -1;
        m->entries = e;
    }
    size_t off = m->text.len;
    m->fmt(&m->text, fr);
    if (m->text.failed)
        return -1;
    m->entries[m->n] = (chr_fmemo_entry){.key = *fr, .off = off, .len = m->text.len - off};
    return (long)m->n++;
}

/*
 * fr's entry, formatted first if new; NULL when out of memory. The map is
 * keyed by the frame's hash: a frame whose hash is taken by another one
 * takes the next free key after it (hash + 1, + 2...).
 */
static const chr_fmemo_entry *lookup(chr_fmemo *m, const ch_frame *fr)
{
    uint64_t key = hash_frame(fr);
    for (const uint64_t *at; (at = ch_u64map_get(&m->by_hash, key)); key++)
        if (same_frame(&m->entries[*at].key, fr))
            return &m->entries[*at];
    long i = add(m, fr);
    if (i < 0)
        return NULL;
    uint64_t *at = ch_u64map_put(&m->by_hash, key, NULL);
    if (at) /* else the entry is just not found again */
        *at = (uint64_t)i;
    return &m->entries[i];
}

void chr_fmemo_put(chr_fmemo *m, chr_out *out, const ch_frame *fr)
{
    const chr_fmemo_entry *e = lookup(m, fr);
    if (e)
        chr_out_mem(out, m->text.buf + e->off, e->len);
    else
        m->fmt(out, fr);
}
