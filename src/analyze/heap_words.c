/* The blocks' followable words, read piece by piece; see heap_words.h. */
#include "analyze/heap_words.h"

#include <stdlib.h>
#include <string.h>

/* Bytes of blocks read at a time: the buffer every piece reuses (a block larger than this is a
 * piece of its own, read whole up to CH_COPY_MAX). */
#define PIECE (4u << 20)
#define MAX_WORDS (CH_COPY_MAX / 8) /* kept words, at most */

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
        if (hw->off)
            hw->off[hw->nwords] = (uint32_t)(o / 8);
        hw->w[hw->nwords++] = v;
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
    for (; *i < j; ++*i) {
        hw->first[*i] = (uint32_t)hw->nwords;
        keep_block(hw, &piece, &ix->blocks[*i], *i, f, most);
    }
    hw->bytes_read += piece.bytes;
    ch_heap_copy_free(&piece);
    return 0;
}

int ch_heap_words_init(ch_heap_words *hw, const ch_block_index *ix, const ch_word_filter *f,
                       bool offsets, const ch_copy_reader *r)
{
    *hw = (ch_heap_words){0};
    size_t n = ix->n;
    if (!n)
        return 0;
    uint64_t most = most_words(ix);
    size_t first_bytes = ((n + 1) * sizeof *hw->first + 7) & ~(size_t)7;
    size_t held_bytes = (n + 63) / 64 * sizeof *hw->held;
    size_t off_bytes = offsets ? ((most * sizeof *hw->off + 7) & ~(size_t)7) : 0;
    /* One scratch region (the address sort's pages): only what is written is touched. */
    uint8_t *m = ch_scratch_take(&hw->scratch, first_bytes + held_bytes + off_bytes + most * 8);
    if (!m)
        return -1;
    hw->first = (uint32_t *)m;
    hw->held = (uint64_t *)(m + first_bytes);
    hw->off = offsets ? (uint32_t *)(m + first_bytes + held_bytes) : NULL;
    hw->w = (uint64_t *)(m + first_bytes + held_bytes + off_bytes);
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
