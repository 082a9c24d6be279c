/*
 * ELF file access for the symbolizer. Files are read, not mapped: a mapped
 * file that shrinks under us would raise SIGBUS, and modules are untrusted
 * input. libelf reads lazily through the open descriptor (ELF_C_READ): the
 * headers, then only the sections asked for, with pread. A file truncated
 * after that just fails to read. Every offset taken from the file is checked
 * against the file size before use.
 */
#include "symbolize/sym_elf.h"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Larger files are refused: far beyond any real binary, and a guard against /dev/zero-likes. */
#define MAX_ELF_SIZE (4ULL << 30)

/*
 * A process may map hundreds of modules, each with a debug file, and every
 * lazily read file holds its descriptor until closed. Descriptors are
 * allocated lowest first, so one at half the limit or above means that many
 * are open: such a file is copied into memory whole instead, and its
 * descriptor closed at once, leaving the rest to the CLI's other files.
 */
static bool can_keep_fd(int fd)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return false;
    return rl.rlim_cur == RLIM_INFINITY || (rlim_t)fd < rl.rlim_cur / 2;
}

static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
    return ch_pread_all(&fd, buf, n, off);
}

int sym_elf_read(void *ctx, void *buf, size_t n, uint64_t off)
{
    const sym_elf *e = ctx;
    if (off > e->size || n > e->size - off)
        return -1;
    if (e->image != NULL) {
        memcpy(buf, e->image + off, n);
        return 0;
    }
    return read_at(e->fd, buf, n, off);
}

static int copy_whole(sym_elf *e, int fd)
{
    e->image = malloc(e->size);
    if (e->image == NULL || read_at(fd, e->image, e->size, 0) != 0)
        return -1;
    e->elf = elf_memory((char *)e->image, e->size);
    return e->elf != NULL ? 0 : -1;
}

static bool is_expected(const struct stat *st, uint64_t dev, uint64_t ino)
{
    if (dev || ino)
        return (uint64_t)st->st_dev == dev && (uint64_t)st->st_ino == ino;
    return geteuid() != 0 || (st->st_mode & S_IROTH);
}

static int load_file(sym_elf *e, const char *path, uint64_t dev, uint64_t ino)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !is_expected(&st, dev, ino) ||
        st.st_size <= 0 || (uint64_t)st.st_size > MAX_ELF_SIZE) {
        close(fd);
        return -1;
    }
    e->size = (size_t)st.st_size;
    if (can_keep_fd(fd)) {
        e->fd = fd;
        e->holds_fd = true;
        e->elf = elf_begin(fd, ELF_C_READ, NULL);
        return e->elf != NULL ? 0 : -1;
    }
    int rc = copy_whole(e, fd);
    close(fd);
    return rc;
}

/*
 * libelf reads the section header table lazily and, reading a file rather
 * than memory, does not bound it by the file size: check that it fits, so
 * that a hostile section count cannot make every section walk a long one.
 */
static bool headers_fit(sym_elf *e)
{
    size_t shnum;
    if (elf_getshdrnum(e->elf, &shnum) != 0)
        return false;
    return shnum == 0 || (e->ehdr.e_shoff <= e->size &&
                          shnum <= (e->size - e->ehdr.e_shoff) / sizeof(Elf64_Shdr));
}

int sym_elf_open(sym_elf *e, const char *path)
{
    return sym_elf_open_as(e, path, 0, 0);
}

int sym_elf_open_as(sym_elf *e, const char *path, uint64_t dev, uint64_t ino)
{
    memset(e, 0, sizeof(*e));
    /* libelf needs its version negotiated once; repeating it is harmless. */
    elf_version(EV_CURRENT);
    if (path == NULL || path[0] != '/' || load_file(e, path, dev, ino) != 0)
        goto fail;
    if (elf_kind(e->elf) != ELF_K_ELF || gelf_getehdr(e->elf, &e->ehdr) == NULL ||
        e->ehdr.e_ident[EI_CLASS] != ELFCLASS64 || e->ehdr.e_machine != EM_X86_64 ||
        !headers_fit(e))
        goto fail;
    if (elf_getshdrstrndx(e->elf, &e->shstrndx) != 0)
        e->shstrndx = 0;
    return 0;
fail:
    sym_elf_close(e);
    return -1;
}

void sym_elf_close(sym_elf *e)
{
    if (e->elf != NULL)
        elf_end(e->elf);
    if (e->holds_fd)
        close(e->fd);
    free(e->image);
    free(e->relocs);
    memset(e, 0, sizeof(*e));
}

Elf_Scn *sym_elf_section(const sym_elf *e, const char *name, GElf_Shdr *sh)
{
    if (e->shstrndx == 0)
        return NULL;
    for (Elf_Scn *scn = elf_nextscn(e->elf, NULL); scn; scn = elf_nextscn(e->elf, scn)) {
        if (gelf_getshdr(scn, sh) == NULL)
            continue;
        const char *n = elf_strptr(e->elf, e->shstrndx, sh->sh_name);
        if (n != NULL && strcmp(n, name) == 0)
            return scn;
    }
    return NULL;
}

sym_bytes sym_elf_section_bytes(const sym_elf *e, Elf_Scn *scn, const GElf_Shdr *sh)
{
    sym_bytes b = {NULL, 0};
    if (sh->sh_type == SHT_NOBITS || sh->sh_offset > e->size ||
        sh->sh_size > e->size - sh->sh_offset)
        return b;
    /* libelf reads the section once and keeps it until sym_elf_close. */
    Elf_Data *d = elf_rawdata(scn, NULL);
    if (d == NULL || d->d_buf == NULL || d->d_size != sh->sh_size)
        return b;
    b.p = d->d_buf;
    b.n = d->d_size;
    return b;
}

/*
 * Bounded by the section rather than the segment: the Go table, moduledata
 * and inline trees each lie within one section, and only sections are read.
 */
sym_bytes sym_elf_vaddr_bytes(const sym_elf *e, uint64_t vaddr)
{
    sym_bytes b = {NULL, 0};
    for (Elf_Scn *scn = elf_nextscn(e->elf, NULL); scn; scn = elf_nextscn(e->elf, scn)) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == NULL || !(sh.sh_flags & SHF_ALLOC) ||
            sh.sh_type == SHT_NOBITS || vaddr < sh.sh_addr || vaddr - sh.sh_addr >= sh.sh_size)
            continue;
        b = sym_elf_section_bytes(e, scn, &sh);
        uint64_t skip = vaddr - sh.sh_addr;
        if (skip >= b.n)
            return (sym_bytes){NULL, 0};
        b.p += skip;
        b.n -= skip;
        return b;
    }
    return b;
}

static int cmp_reloc(const void *a, const void *b)
{
    const sym_reloc *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void add_relocs_from(sym_elf *e, Elf_Scn *scn, const GElf_Shdr *sh)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (d == NULL || sh->sh_entsize == 0)
        return;
    size_t n = d->d_size / sh->sh_entsize;
    sym_reloc *grown = realloc(e->relocs, (e->nrelocs + n) * sizeof(*grown));
    if (grown == NULL)
        return;
    e->relocs = grown;
    for (size_t i = 0; i < n; i++) {
        GElf_Rela r;
        if (gelf_getrela(d, (int)i, &r) == NULL || GELF_R_TYPE(r.r_info) != R_X86_64_RELATIVE)
            continue;
        e->relocs[e->nrelocs].offset = r.r_offset;
        e->relocs[e->nrelocs].addend = (uint64_t)r.r_addend;
        e->nrelocs++;
    }
}

/* Only PIEs need these, and only while the Go table is set up: load once, lazily. */
static void load_relocs(sym_elf *e)
{
    if (e->relocs_loaded)
        return;
    e->relocs_loaded = true;
    for (Elf_Scn *scn = elf_nextscn(e->elf, NULL); scn; scn = elf_nextscn(e->elf, scn)) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) != NULL && sh.sh_type == SHT_RELA)
            add_relocs_from(e, scn, &sh);
    }
    if (e->nrelocs > 1)
        qsort(e->relocs, e->nrelocs, sizeof(*e->relocs), cmp_reloc);
}

static const sym_reloc *find_reloc(sym_elf *e, uint64_t offset)
{
    load_relocs(e);
    size_t lo = 0, hi = e->nrelocs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->relocs[mid].offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < e->nrelocs && e->relocs[lo].offset == offset ? &e->relocs[lo] : NULL;
}

int sym_elf_read_ptr(sym_elf *e, uint64_t vaddr, uint64_t *out)
{
    if (sym_read_u64(sym_elf_vaddr_bytes(e, vaddr), 0, out) != 0)
        return -1;
    if (*out == 0 && e->ehdr.e_type == ET_DYN) {
        const sym_reloc *r = find_reloc(e, vaddr);
        if (r != NULL)
            *out = r->addend;
    }
    return 0;
}

static size_t scan_section(const sym_elf *e, Elf_Scn *scn, const GElf_Shdr *sh, uint64_t target,
                           uint64_t *out, size_t max)
{
    sym_bytes b = sym_elf_section_bytes(e, scn, sh);
    size_t found = 0;
    uint64_t first = (8 - (sh->sh_addr & 7)) & 7;
    for (uint64_t off = first; found < max && off + 8 <= b.n; off += 8) {
        uint64_t v;
        memcpy(&v, b.p + off, 8);
        if (v == target)
            out[found++] = sh->sh_addr + off;
    }
    return found;
}

size_t sym_elf_find_ptrs(sym_elf *e, uint64_t target, uint64_t *out, size_t max)
{
    size_t found = 0;
    for (Elf_Scn *scn = elf_nextscn(e->elf, NULL); scn && found < max;
         scn = elf_nextscn(e->elf, scn)) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_PROGBITS ||
            !(sh.sh_flags & SHF_WRITE) || !(sh.sh_flags & SHF_ALLOC))
            continue;
        found += scan_section(e, scn, &sh, target, out + found, max - found);
    }
    if (e->ehdr.e_type != ET_DYN)
        return found;
    load_relocs(e);
    for (size_t i = 0; i < e->nrelocs && found < max; i++)
        if (e->relocs[i].addend == target)
            out[found++] = e->relocs[i].offset;
    return found;
}

static void hex_encode(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    static const char digits[] = "0123456789abcdef";
    size_t j = 0;
    for (size_t i = 0; i < n && j + 2 < cap; i++) {
        buf[j++] = digits[p[i] >> 4];
        buf[j++] = digits[p[i] & 15];
    }
    buf[j] = '\0';
}

/* Go writes its build ID as a note named "Go", type 4, whose payload is ASCII. */
static void go_build_id(const sym_elf *e, char *buf, size_t cap)
{
    GElf_Shdr sh;
    Elf_Scn *scn = sym_elf_section(e, ".note.go.buildid", &sh);
    if (scn == NULL)
        return;
    sym_bytes b = sym_elf_section_bytes(e, scn, &sh);
    uint32_t namesz, descsz, type;
    if (sym_read_u32(b, 0, &namesz) || sym_read_u32(b, 4, &descsz) || sym_read_u32(b, 8, &type))
        return;
    uint64_t desc = 12 + (((uint64_t)namesz + 3) & ~3ULL);
    if (type != 4 || desc > b.n || descsz > b.n - desc)
        return;
    size_t n = descsz < cap - 1 ? descsz : cap - 1;
    memcpy(buf, b.p + desc, n);
    buf[n] = '\0';
    if (strlen(buf) != n) /* embedded NUL: not the text we expect */
        buf[0] = '\0';
}

void sym_elf_build_id(const sym_elf *e, char *buf, size_t cap)
{
    if (cap == 0)
        return;
    buf[0] = '\0';
    const void *id = NULL;
    ssize_t n = dwelf_elf_gnu_build_id(e->elf, &id);
    if (n > 0 && id != NULL) {
        hex_encode(id, (size_t)n, buf, cap);
        return;
    }
    go_build_id(e, buf, cap);
}

/* The first table of the wanted kinds: its section, header in *sh; NULL if none. */
static Elf_Scn *symbol_table(Elf *elf, bool dynsym_too, GElf_Shdr *sh)
{
    for (int pass = 0; pass < (dynsym_too ? 2 : 1); pass++) {
        Elf32_Word want = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;
        for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn))
            if (gelf_getshdr(scn, sh) != NULL && sh->sh_type == want && sh->sh_entsize != 0)
                return scn;
    }
    return NULL;
}

static bool begin_data(sym_elf_syms *it, Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (d == NULL)
        return false;
    it->elf = elf;
    it->data = d;
    it->strtab = sh->sh_link;
    it->n = d->d_size / sh->sh_entsize;
    return true;
}

static void syms_reset(sym_elf_syms *it)
{
    it->elf = NULL;
    it->data = NULL;
    it->e = NULL;
    it->off = it->strtab = 0;
    it->i = it->n = it->first = it->have = 0;
}

bool sym_elf_syms_begin(sym_elf_syms *it, Elf *elf, bool dynsym_too)
{
    syms_reset(it);
    GElf_Shdr sh;
    Elf_Scn *scn = symbol_table(elf, dynsym_too, &sh);
    return scn != NULL && begin_data(it, elf, scn, &sh);
}

bool sym_elf_syms_begin_file(sym_elf_syms *it, const sym_elf *e, bool dynsym_too)
{
    syms_reset(it);
    GElf_Shdr sh;
    Elf_Scn *scn = symbol_table(e->elf, dynsym_too, &sh);
    if (scn == NULL)
        return false;
    /* The file's own layout only (little-endian 64-bit entries, within the file, not
     * compressed); anything else through libelf, which converts it. */
    if (e->ehdr.e_ident[EI_DATA] != ELFDATA2LSB || sh.sh_entsize != sizeof(Elf64_Sym) ||
        (sh.sh_flags & SHF_COMPRESSED) || sh.sh_type == SHT_NOBITS || sh.sh_offset > e->size ||
        sh.sh_size > e->size - sh.sh_offset)
        return begin_data(it, e->elf, scn, &sh);
    it->elf = e->elf;
    it->e = e;
    it->off = sh.sh_offset;
    it->strtab = sh.sh_link;
    it->n = sh.sh_size / sizeof(Elf64_Sym);
    return true;
}

/* Reads the chunk holding symbol it->i; false if the file cannot be read there. */
static bool read_chunk(sym_elf_syms *it)
{
    size_t k = it->n - it->i < SYM_ELF_SYMS_CHUNK ? it->n - it->i : SYM_ELF_SYMS_CHUNK;
    it->first = it->i;
    it->have = 0;
    if (sym_elf_read((void *)it->e, it->buf, k * sizeof(Elf64_Sym),
                     it->off + it->i * sizeof(Elf64_Sym)) != 0)
        return false;
    it->have = k;
    return true;
}

bool sym_elf_syms_next(sym_elf_syms *it, GElf_Sym *s)
{
    if (it->e != NULL) {
        if (it->i >= it->n || (it->i - it->first >= it->have && !read_chunk(it)))
            return false;
        *s = it->buf[it->i - it->first]; /* GElf_Sym is Elf64_Sym */
        it->i++;
        return true;
    }
    while (it->i < it->n)
        if (gelf_getsym(it->data, (int)it->i++, s) != NULL)
            return true;
    return false;
}

const char *sym_elf_syms_name(const sym_elf_syms *it, const GElf_Sym *s)
{
    return elf_strptr(it->elf, it->strtab, s->st_name);
}
