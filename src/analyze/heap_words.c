/* The blocks' followable words, read piece by piece; see heap_words.h. */
#include "analyze/heap_words.h"

#include <stdlib.h>
#include <string.h>

/* Bytes of blocks read at a time: the buffer every piece reuses (a block larger than this is a
 * piece of its own, read whole up to CH_COPY_MAX). Its pages are fresh: 4 MiB pieces took a 6 MiB
 * buffer, and the launcher's peak at the tree's exit fell from 108.1 to 105.8 MB with 1 MiB ones
 * (a 2 MiB buffer), which also stay in the caches between the read and the words' filter. */
#define PIECE (1u << 20)
#define MAX_WORDS (CH_COPY_MAX / sizeof(ch_kept_word)) /* kept words, at most */

/* The words of the blocks' aligned bytes, up to MAX_WORDS. */
static uint64_t most_words(const ch_block_index *ix)
{
    uint64_t most = 0;
    for (size_t i = 0; i < ix->n && most < MAX_WORDS; i++) {
        uint64_t start = (ix->blocks[i].addr + 7) & ~7ull,
                 end = ch_block_end(&ix->blocks[i]) & ~7ull;
        if (start < end)
            most += (end - start) / 8;
    }
    return most < MAX_WORDS ? most : MAX_WORDS;
}

static void set_held(ch_heap_words *hw, size_t i)
{
    hw->held[i >> 6] |= 1ull << (i & 63);
}

/* Block i's words from the piece read (none kept and not held if the piece left it out, or the
 * limit is reached). */
static void keep_block(ch_heap_words *hw, const ch_heap_copy *piece, const ch_block *b, size_t i,
                       const ch_word_filter *f, uint64_t most)
{
    uint64_t start = (b->addr + 7) & ~7ull, end = ch_block_end(b) & ~7ull;
    const uint8_t *p;
    size_t len;
    if (start >= end || !ch_heap_copy_get(piece, start, end - start, &p, &len) ||
        len / 8 > most - hw->nwords)
        return;
    set_held(hw, i);
    for (size_t o = 0; o + 8 <= len; o += 8) {
        uint64_t v;
        memcpy(&v, p + o, 8); /* aligned in practice; memcpy keeps it defined */
        if (v - f->lo >= f->hi - f->lo && v - f->go_lo >= f->go_hi - f->go_lo)
            continue; /* the common case: no address the scan follows */
        hw->w[hw->nwords++] = (ch_kept_word){.w = v, .off = (uint32_t)(o / 8)};
    }
}

/* The block a kept word points into (ch_kept_word.to). */
static uint32_t block_of(const ch_block_index *ix, const ch_word_filter *f, uint64_t w)
{
    int at_start;
    long i = w - f->go_lo < f->go_hi - f->go_lo ? -1 : ch_block_index_find(ix, w, &at_start);
    return i < 0 ? 0 : ((uint32_t)i + 1) | (at_start ? CH_TO_START : 0);
}

/*
 * Looks up the words kept from `from` on, AHEAD words on prefetching what a
 * lookup reads: the entry of the index's starts (block_index.h), or without
 * them a word's bucket and, AHEAD / 2 on, the block its search starts at.
 * The mark step, which meets the words in the order the marks spread, made
 * these lookups one dependent miss after another (see bench/RESULTS.md).
 */
#define AHEAD 16
static void resolve(ch_heap_words *hw, const ch_block_index *ix, const ch_word_filter *f,
                    uint64_t from)
{
    ch_kept_word *kw = hw->w;
    for (uint64_t k = from; k < hw->nwords; k++) {
        uint64_t a = k + AHEAD < hw->nwords ? kw[k + AHEAD].w : 0;
        const uint32_t *d;
        if (a - ix->lo < ix->hi - ix->lo && ix->starts) {
            __builtin_prefetch(ch_block_index_starts_of(ix, a));
        } else if ((d = ch_block_index_bucket(ix, a))) {
            __builtin_prefetch(d);
            d = ch_block_index_bucket(ix, kw[k + AHEAD / 2].w);
            if (d)
                __builtin_prefetch(&ix->blocks[d[0] ? d[0] - 1 : 0]);
        }
        kw[k].to = block_of(ix, f, kw[k].w);
    }
}

/* Blocks [*i, end of the piece) read and kept; -1 when out of memory. */
static int keep_piece(ch_heap_words *hw, const ch_block_index *ix, size_t *i,
                      const ch_word_filter *f, uint64_t most, ch_copy_buf *buf,
                      const ch_copy_reader *r)
{
    size_t j = *i + 1;
    uint64_t from = ix->blocks[*i].addr;
    while (j < ix->n && ch_block_end(&ix->blocks[j]) - from <= PIECE)
        j++;
    ch_heap_copy piece;
    if (ch_heap_copy_blocks(&piece, ix->blocks + *i, j - *i, CH_COPY_MAX, buf, r))
        return -1;
    uint64_t first_new = hw->nwords;
    for (; *i < j; ++*i) {
        hw->first[*i] = (uint32_t)hw->nwords;
        keep_block(hw, &piece, &ix->blocks[*i], *i, f, most);
    }
    resolve(hw, ix, f, first_new);
    hw->bytes_read += piece.bytes;
    ch_heap_copy_free(&piece);
    return 0;
}

int ch_heap_words_init(ch_heap_words *hw, const ch_block_index *ix, const ch_word_filter *f,
                       const ch_copy_reader *r)
{
    *hw = (ch_heap_words){0};
    size_t n = ix->n;
    if (!n)
        return 0;
    uint64_t most = most_words(ix);
    size_t first_bytes = ((n + 1) * sizeof *hw->first + 7) & ~(size_t)7;
    size_t held_bytes = (n + 63) / 64 * sizeof *hw->held;
    /* One scratch region (the record's entries' pages): only what is written is touched. */
    uint8_t *m = ch_scratch_take(&hw->scratch, first_bytes + held_bytes + most * sizeof *hw->w);
    if (!m)
        return -1;
    hw->first = (uint32_t *)m;
    hw->held = (uint64_t *)(m + first_bytes);
    hw->w = (ch_kept_word *)(m + first_bytes + held_bytes);
    memset(hw->held, 0, held_bytes);
    ch_copy_buf buf = {0};
    int rc = 0;
    for (size_t i = 0; i < n && !rc;)
        rc = keep_piece(hw, ix, &i, f, most, &buf, r);
    hw->first[n] = (uint32_t)hw->nwords;
    ch_copy_buf_free(&buf);
    if (rc)
        ch_heap_words_free(hw);
    return rc;
}

void ch_heap_words_free(ch_heap_words *hw)
{
    ch_scratch_give(&hw->scratch);
    *hw = (ch_heap_words){0};
}
