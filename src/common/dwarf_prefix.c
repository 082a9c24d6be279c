/* Prefixes of a compressed .debug_info, and whole sections inflated (see dwarf_prefix.h). */
#include "common/dwarf_prefix.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_PREFIX (64u << 10)
#define IN_CHUNK (64u << 10)
#define OUT_STEP (64u << 10)
/* Beyond any real section: libelf would allocate a declared size at once. */
#define MAX_DECLARED (1ULL << 32)

/* The first section called name (".debug_x") or its GNU ".zdebug_x" form, as
 * ch_dwarf_subset_open picks it. */
static bool find_section(const ch_dwarf_source *src, const char *want, GElf_Shdr *sh, bool *gnu)
{
    size_t shstrndx;
    if (elf_getshdrstrndx(src->elf, &shstrndx) != 0)
        return false;
    for (Elf_Scn *scn = elf_nextscn(src->elf, NULL); scn; scn = elf_nextscn(src->elf, scn)) {
        const char *name;
        if (gelf_getshdr(scn, sh) == NULL || sh->sh_type == SHT_NOBITS ||
            sh->sh_offset > src->file_size || sh->sh_size > src->file_size - sh->sh_offset ||
            (name = elf_strptr(src->elf, shstrndx, sh->sh_name)) == NULL)
            continue;
        *gnu = strncmp(name, ".zdebug_", 8) == 0 && strcmp(name + 8, want + 7) == 0;
        if (*gnu || strcmp(name, want) == 0)
            return true;
    }
    return false;
}

/* The old GNU form: "ZLIB", the big-endian uncompressed size, the zlib stream. */
static int read_gnu_header(ch_dwarf_prefix *p, const GElf_Shdr *sh, uint64_t *header)
{
    uint8_t h[12];
    if (sh->sh_size < sizeof(h) || p->src.read(p->src.ctx, h, sizeof(h), sh->sh_offset) != 0 ||
        memcmp(h, "ZLIB", 4) != 0)
        return -1;
    p->declared = 0;
    for (int i = 4; i < 12; i++)
        p->declared = p->declared << 8 | h[i];
    *header = sizeof(h);
    return 0;
}

static int read_header(ch_dwarf_prefix *p, const GElf_Shdr *sh, bool gnu)
{
    uint64_t header;
    Elf64_Chdr ch;
    if (gnu) {
        if (read_gnu_header(p, sh, &header) != 0)
            return -1;
    } else {
        if (!(sh->sh_flags & SHF_COMPRESSED) || sh->sh_size < sizeof(ch) ||
            p->src.read(p->src.ctx, &ch, sizeof(ch), sh->sh_offset) != 0 ||
            ch.ch_type != ELFCOMPRESS_ZLIB)
            return -1;
        p->declared = ch.ch_size;
        header = sizeof(ch);
    }
    if (p->declared == 0 || p->declared > MAX_DECLARED)
        return -1;
    p->in_off = sh->sh_offset + header;
    p->in_end = sh->sh_offset + sh->sh_size;
    return 0;
}

int ch_dwarf_prefix_begin(ch_dwarf_prefix *p, const ch_dwarf_source *src)
{
    memset(p, 0, sizeof(*p));
    p->src = *src;
    GElf_Shdr sh;
    bool gnu;
    if (!find_section(src, ".debug_info", &sh, &gnu) || read_header(p, &sh, gnu) != 0)
        return -1;
    p->in_buf = malloc(IN_CHUNK);
    if (p->in_buf == NULL || inflateInit(&p->z) != Z_OK) {
        ch_dwarf_prefix_end(p);
        return -1;
    }
    p->z_live = true;
    return 0;
}

static int refill(ch_dwarf_prefix *p)
{
    uint64_t left = p->in_end - p->in_off;
    size_t n = left < IN_CHUNK ? (size_t)left : IN_CHUNK;
    if (n == 0 || p->src.read(p->src.ctx, p->in_buf, n, p->in_off) != 0)
        return -1; /* the stream ends before its end marker */
    p->in_off += n;
    p->z.next_in = p->in_buf;
    p->z.avail_in = (uInt)n;
    return 0;
}

/* Room for at least target bytes (or twice the current), never past the declared size. */
static int grow(ch_dwarf_prefix *p, size_t target)
{
    size_t cap = p->out_cap * 2 > target ? p->out_cap * 2 : target;
    if (cap > p->declared)
        cap = (size_t)p->declared;
    if (cap <= p->out_len)
        return -1; /* the stream holds more than declared */
    uint8_t *grown = realloc(p->out, cap);
    if (grown == NULL)
        return -1;
    p->out = grown;
    p->out_cap = cap;
    return 0;
}

/* Moves units_end over every unit now inflated whole (initial length: 4 bytes, or 12 in DWARF64).
 */
static void find_units(ch_dwarf_prefix *p)
{
    if (p->plain)
        return;
    for (;;) {
        size_t at = p->units_end, left = p->out_len - at;
        uint32_t len32;
        uint64_t len64;
        if (left < 4)
            return;
        memcpy(&len32, p->out + at, 4);
        if (len32 == 0xffffffffu) {
            if (left < 12)
                return;
            memcpy(&len64, p->out + at + 4, 8);
            if (len64 > left - 12)
                return;
            p->units_end = at + 12 + (size_t)len64;
        } else {
            if (len32 >= 0xfffffff0u || len32 > left - 4)
                return; /* reserved lengths: no unit boundary past here */
            p->units_end = at + 4 + len32;
        }
    }
}

/* Inflates until whole units reach target bytes, or to the end. */
static int inflate_more(ch_dwarf_prefix *p, size_t target)
{
    while (!p->whole && p->units_end < target) {
        if (p->z.avail_in == 0 && refill(p) != 0)
            return -1;
        if (p->out_len == p->out_cap && grow(p, target) != 0)
            return -1;
        /* Small steps: a prefix should end soon after the unit that completes it. */
        size_t room = p->out_cap - p->out_len;
        p->z.next_out = p->out + p->out_len;
        p->z.avail_out = room < OUT_STEP ? (uInt)room : OUT_STEP;
        int rc = inflate(&p->z, Z_NO_FLUSH);
        p->out_len = (size_t)(p->z.next_out - p->out);
        if (rc == Z_STREAM_END && p->out_len == p->declared)
            p->whole = true;
        else if (rc != Z_OK)
            return -1;
        find_units(p);
    }
    return 0;
}

/* The sections of names other than .debug_info that the file has, read whole once. */
static void read_others(ch_dwarf_prefix *p, const char *const *names)
{
    size_t n = 1; /* others[0] is .debug_info's prefix */
    p->others_read = true;
    for (size_t i = 0; names[i] != NULL && n < CH_DWARF_PREFIX_MAX_SECTIONS; i++) {
        uint8_t *data;
        size_t size;
        if (strcmp(names[i], ".debug_info") == 0 ||
            ch_dwarf_section_read(&p->src, names[i], &data, &size) != 0)
            continue; /* absent, or read from the file by ch_dwarf_subset_open */
        p->others[n++] = (ch_section_bytes){names[i], data, size};
    }
}

static int open_prefix(ch_dwarf_prefix *p, const char *const *names, ch_dwarf_subset *s,
                       size_t target, bool *whole)
{
    if (inflate_more(p, target) != 0)
        return -1;
    *whole = p->whole;
    if (!p->others_read)
        read_others(p, names);
    p->others[0] = (ch_section_bytes){".debug_info", p->out, p->whole ? p->out_len : p->units_end};
    return ch_dwarf_subset_open(s, &p->src, names, p->others);
}

int ch_dwarf_prefix_next(ch_dwarf_prefix *p, const char *const *names, ch_dwarf_subset *s,
                         bool *whole)
{
    size_t target = p->units_end >= FIRST_PREFIX / 2 ? p->units_end * 2 : FIRST_PREFIX;
    return open_prefix(p, names, s, target, whole);
}

int ch_dwarf_prefix_reach(ch_dwarf_prefix *p, const char *const *names, ch_dwarf_subset *s,
                          uint64_t unit, bool *whole)
{
    size_t target = p->units_end >= FIRST_PREFIX / 2 ? p->units_end * 2 : FIRST_PREFIX;
    if (unit >= p->declared)
        target = SIZE_MAX; /* no such unit in the section: all of it */
    else if (unit >= target)
        target = (size_t)unit + 1;
    return open_prefix(p, names, s, target, whole);
}

int ch_dwarf_section_read(const ch_dwarf_source *src, const char *name, uint8_t **out, size_t *size)
{
    GElf_Shdr sh;
    bool gnu;
    *out = NULL;
    *size = 0;
    if (!find_section(src, name, &sh, &gnu))
        return -1;
    if (!gnu && !(sh.sh_flags & SHF_COMPRESSED)) {
        *out = malloc(sh.sh_size ? sh.sh_size : 1);
        if (*out == NULL || src->read(src->ctx, *out, sh.sh_size, sh.sh_offset) != 0) {
            free(*out);
            *out = NULL;
            return -1;
        }
        *size = sh.sh_size;
        return 0;
    }
    ch_dwarf_prefix p = {.src = *src};
    if (read_header(&p, &sh, gnu) != 0 || (p.in_buf = malloc(IN_CHUNK)) == NULL ||
        inflateInit(&p.z) != Z_OK) {
        free(p.in_buf);
        return -1;
    }
    p.z_live = true;
    p.plain = true;
    int rc = inflate_more(&p, SIZE_MAX) == 0 && p.whole ? 0 : -1;
    if (rc == 0) {
        *out = p.out;
        *size = p.out_len;
        p.out = NULL;
    }
    ch_dwarf_prefix_end(&p);
    return rc;
}

void ch_dwarf_prefix_end(ch_dwarf_prefix *p)
{
    for (size_t i = 1; i < CH_DWARF_PREFIX_MAX_SECTIONS && p->others[i].name != NULL; i++)
        free((void *)p->others[i].data);
    if (p->z_live)
        inflateEnd(&p->z);
    free(p->in_buf);
    free(p->out);
    memset(p, 0, sizeof(*p));
}
