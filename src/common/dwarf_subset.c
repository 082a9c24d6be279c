/*
 * A small ELF image holding only the wanted debug sections (see
 * dwarf_subset.h). Layout: ELF header, each section 8-aligned (compression
 * headers want it), the section name table, then the section headers:
 * null, the sections, the name table.
 */
#include "common/dwarf_subset.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* At most one section per wanted name; no list is longer. */
#define MAX_PICKED 16
#define ALIGN 8

const char *const ch_dwarf_types_sections[] = {
    ".debug_info", ".debug_abbrev", ".debug_str", ".debug_line_str", ".debug_str_offsets", NULL};

/* .debug_types and the dwz link are kept for DIEs that refer into them. */
const char *const ch_dwarf_lines_sections[] = {
    ".debug_info",        ".debug_abbrev", ".debug_str",        ".debug_line_str",
    ".debug_str_offsets", ".debug_line",   ".debug_ranges",     ".debug_rnglists",
    ".debug_addr",        ".debug_types",  ".gnu_debugaltlink", NULL};

typedef struct picked {
    GElf_Shdr sh;      /* sh_size and sh_flags describe given when set */
    const char *name;  /* as spelled in the file, or given's */
    const void *given; /* the bytes, if not read from the file */
    uint64_t at;       /* offset in the image */
} picked;

typedef struct subset {
    picked secs[MAX_PICKED];
    size_t n;
    size_t names_size; /* the name table */
} subset;

int ch_pread_all(void *ctx, void *buf, size_t n, uint64_t off)
{
    int fd = *(const int *)ctx;
    size_t done = 0;
    while (done < n) {
        if (off + done > INT64_MAX)
            return -1;
        ssize_t got = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        done += (size_t)got;
    }
    return 0;
}

static uint64_t align_up(uint64_t v)
{
    return (v + ALIGN - 1) & ~(uint64_t)(ALIGN - 1);
}

static int wanted_index(const char *name, const char *const *names)
{
    for (int i = 0; names[i] != NULL && i < MAX_PICKED; i++) {
        if (strcmp(name, names[i]) == 0)
            return i;
        /* ".zdebug_x" is ".debug_x" compressed the old GNU way; libdw reads both. */
        if (strncmp(name, ".zdebug_", 8) == 0 && strncmp(names[i], ".debug_", 7) == 0 &&
            strcmp(name + 2, names[i] + 1) == 0)
            return i;
    }
    return -1;
}

/* The section stands for given: its bytes, uncompressed, under given's name. */
static picked given_section(const GElf_Shdr *sh, const ch_section_bytes *given)
{
    picked p = {.sh = *sh, .name = given->name, .given = given->data};
    p.sh.sh_size = given->size;
    p.sh.sh_flags &= ~(GElf_Xword)SHF_COMPRESSED;
    return p;
}

/*
 * The first section of each wanted name that lies in the file. Real files
 * never overlap sections, so more bytes than the file holds means a hostile
 * one (the same bytes claimed many times): refused.
 */
static int pick(const ch_dwarf_source *src, const char *const *names, const ch_section_bytes *given,
                subset *s)
{
    size_t shstrndx;
    bool taken[MAX_PICKED] = {false};
    const ch_section_bytes *given_for[MAX_PICKED] = {NULL};
    for (const ch_section_bytes *g = given; g != NULL && g->name != NULL; g++) {
        int gi = wanted_index(g->name, names);
        if (gi >= 0)
            given_for[gi] = g;
    }
    uint64_t from_file = 0;
    if (elf_getshdrstrndx(src->elf, &shstrndx) != 0)
        return -1;
    for (Elf_Scn *scn = elf_nextscn(src->elf, NULL); scn; scn = elf_nextscn(src->elf, scn)) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type == SHT_NOBITS)
            continue;
        const char *name = elf_strptr(src->elf, shstrndx, sh.sh_name);
        int i = name ? wanted_index(name, names) : -1;
        if (i < 0 || taken[i] || sh.sh_offset > src->file_size ||
            sh.sh_size > src->file_size - sh.sh_offset)
            continue;
        taken[i] = true;
        if (given_for[i] != NULL) {
            s->secs[s->n] = given_section(&sh, given_for[i]);
        } else {
            from_file += align_up(sh.sh_size);
            if (from_file > align_up(src->file_size))
                return -1;
            s->secs[s->n] = (picked){.sh = sh, .name = name};
        }
        s->names_size += strlen(s->secs[s->n++].name) + 1;
    }
    return s->n > 0 ? 0 : -1;
}

static Elf64_Shdr image_shdr(const picked *p, uint32_t name_off)
{
    /* Addresses, links and flags other than how the bytes are stored mean nothing here. */
    return (Elf64_Shdr){.sh_name = name_off,
                        .sh_type = p->sh.sh_type,
                        .sh_flags = p->sh.sh_flags & (SHF_COMPRESSED | SHF_MERGE | SHF_STRINGS),
                        .sh_offset = p->at,
                        .sh_size = p->sh.sh_size,
                        .sh_addralign = ALIGN};
}

/* Section headers and names; the section bytes are already in place. */
static void write_headers(char *image, const GElf_Ehdr *src, subset *s, uint64_t names_at,
                          uint64_t shdrs_at)
{
    Elf64_Ehdr eh = {.e_type = src->e_type,
                     .e_machine = src->e_machine,
                     .e_version = EV_CURRENT,
                     .e_shoff = shdrs_at,
                     .e_ehsize = sizeof(Elf64_Ehdr),
                     .e_shentsize = sizeof(Elf64_Shdr),
                     .e_shnum = (uint16_t)(s->n + 2),
                     .e_shstrndx = (uint16_t)(s->n + 1)};
    memcpy(eh.e_ident, src->e_ident, EI_NIDENT);
    memcpy(image, &eh, sizeof(eh));
    Elf64_Shdr *shdrs = (Elf64_Shdr *)(image + shdrs_at);
    char *names = image + names_at;
    size_t name_off = 1;
    names[0] = '\0';
    memset(&shdrs[0], 0, sizeof(shdrs[0]));
    for (size_t i = 0; i < s->n; i++) {
        shdrs[i + 1] = image_shdr(&s->secs[i], (uint32_t)name_off);
        size_t len = strlen(s->secs[i].name) + 1;
        memcpy(names + name_off, s->secs[i].name, len);
        name_off += len;
    }
    shdrs[s->n + 1] = (Elf64_Shdr){
        .sh_type = SHT_STRTAB, .sh_offset = names_at, .sh_size = name_off, .sh_addralign = 1};
}

static int fill_section(const ch_dwarf_source *src, const picked *p, char *image)
{
    if (p->given != NULL) {
        memcpy(image + p->at, p->given, p->sh.sh_size);
        return 0;
    }
    return src->read(src->ctx, image + p->at, p->sh.sh_size, p->sh.sh_offset);
}

static char *build_image(const ch_dwarf_source *src, const GElf_Ehdr *eh, subset *s, size_t *size)
{
    uint64_t at = align_up(sizeof(Elf64_Ehdr));
    for (size_t i = 0; i < s->n; i++) {
        s->secs[i].at = at;
        at += align_up(s->secs[i].sh.sh_size);
    }
    uint64_t names_at = at, shdrs_at = align_up(names_at + 1 + s->names_size);
    uint64_t total = shdrs_at + (s->n + 2) * sizeof(Elf64_Shdr);
    if (total > SIZE_MAX)
        return NULL;
    char *image = calloc(1, (size_t)total);
    if (image == NULL)
        return NULL;
    for (size_t i = 0; i < s->n; i++)
        if (fill_section(src, &s->secs[i], image) != 0) {
            free(image);
            return NULL;
        }
    write_headers(image, eh, s, names_at, shdrs_at);
    *size = (size_t)total;
    return image;
}

int ch_dwarf_subset_open(ch_dwarf_subset *s, const ch_dwarf_source *src, const char *const *names,
                         const ch_section_bytes *given)
{
    memset(s, 0, sizeof(*s));
    GElf_Ehdr eh;
    subset chosen = {.n = 0};
    /* The image is written in host order: a 64-bit little-endian file only. */
    if (gelf_getehdr(src->elf, &eh) == NULL || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_ident[EI_DATA] != ELFDATA2LSB || pick(src, names, given, &chosen) != 0)
        return -1;
    size_t size = 0;
    s->image = build_image(src, &eh, &chosen, &size);
    if (s->image != NULL)
        s->elf = elf_memory(s->image, size);
    if (s->elf != NULL)
        s->dw = dwarf_begin_elf(s->elf, DWARF_C_READ, NULL);
    if (s->dw == NULL) {
        ch_dwarf_subset_close(s);
        return -1;
    }
    return 0;
}

void ch_dwarf_subset_close(ch_dwarf_subset *s)
{
    if (s->dw != NULL)
        dwarf_end(s->dw);
    if (s->elf != NULL)
        elf_end(s->elf);
    free(s->image);
    memset(s, 0, sizeof(*s));
}
