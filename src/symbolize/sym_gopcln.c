/*
 * Reader for Go's pclntab (layout: src/runtime/symtab.go, runtime2.go and
 * cmd/link/internal/ld/pcln.go). The table is untrusted input: every read
 * goes through bounds-checked sym_bytes helpers and every loop is bounded.
 *
 * Header (pcHeader), offsets for 64-bit targets:
 *   0 magic  4 pad,pad  6 minLC  7 ptrSize  8 nfunc  16 nfiles  24 textStart
 *   32 funcnameOffset  40 cuOffset  48 filetabOffset  56 pctabOffset  64 pclnOffset
 * functab: nfunc pairs {entryoff, funcoff} then the end entryoff, all uint32;
 * funcoff counts from the functab start, where the _func records follow.
 */
#include "symbolize/sym_gopcln.h"

#include <string.h>

#define MAGIC_GO118 0xfffffff0u
#define MAGIC_GO120 0xfffffff1u

#define PCDATA_STACK_MAP_INDEX 1
#define PCDATA_INL_TREE_INDEX 2
#define FUNCDATA_ARGS_POINTER_MAPS 0
#define FUNCDATA_LOCALS_POINTER_MAPS 1
#define FUNCDATA_STACK_OBJECTS 2
#define FUNCDATA_INL_TREE 3

/* Field offsets in _func; 1.20 inserted startLine before funcID. */
#define FUNC_ENTRYOFF 0
#define FUNC_NAMEOFF 4
#define FUNC_ARGS 8
#define FUNC_PCSP 16
#define FUNC_PCFILE 20
#define FUNC_PCLN 24
#define FUNC_NPCDATA 28
#define FUNC_CUOFFSET 32
#define FUNC_NFUNCDATA_118 39
#define FUNC_NFUNCDATA_120 43

/* moduledata field offsets (amd64); 1.20 added covctrs/ecovctrs before end. */
#define MODDATA_FUNCNAMETAB 8
#define MODDATA_TEXT 176
#define MODDATA_GOFUNC_118 304
#define MODDATA_GOFUNC_120 320

/* moduledata is found by the pointers to the table; a few at most are plausible. */
#define MAX_MODDATA_CANDIDATES 16

typedef struct go_func {
    uint64_t entry; /* vaddr */
    sym_bytes rec;  /* the _func record and its pcdata/funcdata arrays */
    uint32_t pcfile, pcln, npcdata, cuoff;
    uint8_t nfuncdata;
    const char *name;
} go_func;

static sym_bytes tail(sym_bytes b, uint64_t off)
{
    sym_bytes t = {NULL, 0};
    if (off <= b.n) {
        t.p = b.p + off;
        t.n = b.n - off;
    }
    return t;
}

static bool find_table(sym_elf *e, sym_bytes *tab, uint64_t *vaddr)
{
    GElf_Shdr sh;
    /* A PIE linked by Go itself keeps the table in a relro section. */
    Elf_Scn *scn = sym_elf_section(e, ".gopclntab", &sh);
    if (scn == NULL)
        scn = sym_elf_section(e, ".data.rel.ro.gopclntab", &sh);
    if (scn != NULL) {
        *tab = sym_elf_section_bytes(e, scn, &sh);
        *vaddr = sh.sh_addr;
        return tab->n > 0;
    }
    *vaddr = sym_symtab_find_name(e, "runtime.pclntab");
    *tab = *vaddr ? sym_elf_vaddr_bytes(e, *vaddr) : (sym_bytes){NULL, 0};
    return tab->n > 0;
}

/* moduledata starts with a pointer to the table, then the funcnametab slice. */
static uint64_t find_moduledata(sym_elf *e, uint64_t tab_vaddr, uint64_t funcname_off)
{
    uint64_t cands[MAX_MODDATA_CANDIDATES];
    size_t n = sym_elf_find_ptrs(e, tab_vaddr, cands, MAX_MODDATA_CANDIDATES);
    for (size_t i = 0; i < n; i++) {
        uint64_t names;
        if (sym_elf_read_ptr(e, cands[i] + MODDATA_FUNCNAMETAB, &names) == 0 &&
            names == tab_vaddr + funcname_off)
            return cands[i];
    }
    return 0;
}

static uint64_t find_gofunc(sym_gotab *g, uint64_t moddata)
{
    uint64_t v = sym_symtab_find_name(g->elf, "go:func.*");
    if (v == 0)
        v = sym_symtab_find_name(g->elf, "go.func.*");
    if (v == 0 && moddata != 0)
        sym_elf_read_ptr(g->elf, moddata + (g->go120 ? MODDATA_GOFUNC_120 : MODDATA_GOFUNC_118),
                         &v);
    return v != 0 && sym_elf_vaddr_bytes(g->elf, v).n > 0 ? v : 0;
}

static int read_header(sym_gotab *g, sym_bytes tab, uint64_t off[5])
{
    uint32_t magic;
    uint64_t nfunc;
    if (sym_read_u32(tab, 0, &magic) != 0 || tab.n < 72)
        return -1;
    if ((magic != MAGIC_GO118 && magic != MAGIC_GO120) || tab.p[4] || tab.p[5])
        return -1;
    if (tab.p[6] != 1 || tab.p[7] != 8) /* x86-64: 1-byte PC quantum, 8-byte pointers */
        return -1;
    g->go120 = magic == MAGIC_GO120;
    if (sym_read_u64(tab, 8, &nfunc) != 0 || nfunc == 0 || nfunc > UINT32_MAX / 2)
        return -1;
    g->nfunc = (uint32_t)nfunc;
    for (int i = 0; i < 5; i++)
        if (sym_read_u64(tab, 32 + 8 * (uint64_t)i, &off[i]) != 0 || off[i] > tab.n)
            return -1;
    return 0;
}

/*
 * The table's own textStart is right in executables; in a PIE it is left to
 * a relocation (sym_elf_read_ptr resolves that). moduledata.text and the
 * runtime.text symbol are the fallbacks.
 */
static uint64_t find_text_start(sym_gotab *g, uint64_t tab_vaddr, uint64_t moddata)
{
    uint64_t t = 0;
    if (sym_elf_read_ptr(g->elf, tab_vaddr + 24, &t) == 0 && t != 0)
        return t;
    if (moddata != 0 && sym_elf_read_ptr(g->elf, moddata + MODDATA_TEXT, &t) == 0 && t != 0)
        return t;
    return sym_symtab_find_name(g->elf, "runtime.text");
}

int sym_gotab_init(sym_gotab *g, sym_elf *e)
{
    memset(g, 0, sizeof(*g));
    g->elf = e;
    sym_bytes tab;
    uint64_t vaddr, off[5];
    if (!find_table(e, &tab, &vaddr) || read_header(g, tab, off) != 0)
        return -1;
    g->funcnames = tail(tab, off[0]);
    g->cutab = tail(tab, off[1]);
    g->filetab = tail(tab, off[2]);
    g->pctab = tail(tab, off[3]);
    g->functab = tail(tab, off[4]);
    if (g->functab.n / 8 <= g->nfunc) /* nfunc pairs + the end entry */
        return -1;
    uint64_t moddata = find_moduledata(e, vaddr, off[0]);
    g->text_start = find_text_start(g, vaddr, moddata);
    g->gofunc = find_gofunc(g, moddata);
    return g->text_start != 0 ? 0 : -1;
}

static int read_varint(sym_bytes b, uint64_t *pos, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (*pos >= b.n)
            return -1;
        uint8_t byte = b.p[(*pos)++];
        v |= (uint32_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/*
 * Value of a pc-value table at target: pairs of (zigzag value delta, pc
 * delta) starting from value -1 at the function entry; a zero value delta
 * after the first pair ends the table. -1 if target lies past its end.
 */
static int32_t pcvalue(const sym_gotab *g, uint32_t table, uint64_t entry, uint64_t target)
{
    if (table == 0)
        return -1;
    sym_bytes b = tail(g->pctab, table);
    uint64_t pos = 0, pc = entry;
    int32_t val = -1;
    for (bool first = true;; first = false) {
        uint32_t vdelta, pcdelta;
        if (read_varint(b, &pos, &vdelta) != 0 || (vdelta == 0 && !first))
            return -1;
        val += (int32_t)(-(vdelta & 1) ^ (vdelta >> 1));
        if (read_varint(b, &pos, &pcdelta) != 0)
            return -1;
        pc += pcdelta;
        if (target < pc)
            return val;
    }
}

static int find_func(const sym_gotab *g, uint64_t vaddr, go_func *f)
{
    uint32_t first, end;
    if (vaddr < g->text_start || vaddr - g->text_start > UINT32_MAX)
        return -1;
    uint32_t off = (uint32_t)(vaddr - g->text_start);
    if (sym_read_u32(g->functab, 0, &first) || sym_read_u32(g->functab, 8ULL * g->nfunc, &end) ||
        off < first || off >= end)
        return -1;
    uint32_t lo = 0, hi = g->nfunc; /* last entry with entryoff <= off */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2, e;
        if (sym_read_u32(g->functab, 8ULL * mid, &e) != 0)
            return -1;
        if (e <= off)
            lo = mid;
        else
            hi = mid;
    }
    uint32_t entryoff, funcoff, recentry, nameoff;
    if (sym_read_u32(g->functab, 8ULL * lo, &entryoff) ||
        sym_read_u32(g->functab, 8ULL * lo + 4, &funcoff))
        return -1;
    f->rec = tail(g->functab, funcoff);
    size_t nfd_at = g->go120 ? FUNC_NFUNCDATA_120 : FUNC_NFUNCDATA_118;
    if (f->rec.n <= nfd_at || sym_read_u32(f->rec, FUNC_ENTRYOFF, &recentry) ||
        recentry != entryoff || sym_read_u32(f->rec, FUNC_NAMEOFF, &nameoff) ||
        sym_read_u32(f->rec, FUNC_PCFILE, &f->pcfile) ||
        sym_read_u32(f->rec, FUNC_PCLN, &f->pcln) ||
        sym_read_u32(f->rec, FUNC_NPCDATA, &f->npcdata) ||
        sym_read_u32(f->rec, FUNC_CUOFFSET, &f->cuoff))
        return -1;
    f->nfuncdata = f->rec.p[nfd_at];
    f->entry = g->text_start + entryoff;
    f->name = sym_read_cstr(g->funcnames, nameoff);
    return 0;
}

static const char *file_name(const sym_gotab *g, const go_func *f, int32_t fileno)
{
    uint32_t fileoff;
    if (fileno < 0 ||
        sym_read_u32(g->cutab, 4ULL * ((uint64_t)f->cuoff + (uint32_t)fileno), &fileoff) != 0 ||
        fileoff == UINT32_MAX)
        return NULL;
    return sym_read_cstr(g->filetab, fileoff);
}

static void position(const sym_gotab *g, const go_func *f, uint64_t pc, sym_loc *loc)
{
    int32_t line = pcvalue(g, f->pcln, f->entry, pc);
    loc->line = line > 0 ? line : 0;
    loc->file = file_name(g, f, pcvalue(g, f->pcfile, f->entry, pc));
}

/* The pcdata offsets and then the funcdata offsets follow the _func record. */
static uint64_t func_arrays(const sym_gotab *g)
{
    return (g->go120 ? FUNC_NFUNCDATA_120 : FUNC_NFUNCDATA_118) + 1;
}

static uint32_t pcdata_table(const sym_gotab *g, const go_func *f, uint32_t idx)
{
    uint32_t off = 0;
    if (idx >= f->npcdata || sym_read_u32(f->rec, func_arrays(g) + 4ULL * idx, &off) != 0)
        return 0;
    return off;
}

/* Funcdata idx of f: its bytes (from go:func.* to the section's end), n = 0 if none. */
static sym_bytes funcdata(const sym_gotab *g, const go_func *f, uint32_t idx)
{
    sym_bytes none = {NULL, 0};
    uint32_t off;
    if (g->gofunc == 0 || f->nfuncdata <= idx ||
        sym_read_u32(f->rec, func_arrays(g) + 4ULL * f->npcdata + 4ULL * idx, &off) != 0 ||
        off == UINT32_MAX)
        return none;
    return sym_elf_vaddr_bytes(g->elf, g->gofunc + off);
}

static sym_bytes inline_tree(const sym_gotab *g, const go_func *f)
{
    return funcdata(g, f, FUNCDATA_INL_TREE);
}

int sym_gotab_frame(const sym_gotab *g, uint64_t vaddr, sym_goframe *out)
{
    go_func f;
    uint32_t pcsp, args;
    if (find_func(g, vaddr, &f) != 0 || sym_read_u32(f.rec, FUNC_PCSP, &pcsp) != 0 ||
        sym_read_u32(f.rec, FUNC_ARGS, &args) != 0)
        return -1;
    out->entry = f.entry;
    out->name = f.name;
    out->spdelta = pcvalue(g, pcsp, f.entry, vaddr);
    out->args = (int32_t)args;
    uint64_t at = vaddr > f.entry ? vaddr - 1 : vaddr;
    out->mapindex = pcvalue(g, pcdata_table(g, &f, PCDATA_STACK_MAP_INDEX), f.entry, at);
    out->argmaps = funcdata(g, &f, FUNCDATA_ARGS_POINTER_MAPS);
    out->locals = funcdata(g, &f, FUNCDATA_LOCALS_POINTER_MAPS);
    out->objects = funcdata(g, &f, FUNCDATA_STACK_OBJECTS);
    return 0;
}

/*
 * One inlinedCall: 1.18/1.19 {int16 parent; u8 funcID; u8; i32 file, line,
 * func_, parentPc} (20 bytes); 1.20+ {u8 funcID; u8[3]; i32 nameOff,
 * parentPc, startLine} (16 bytes).
 */
static int inline_entry(const sym_gotab *g, sym_bytes tree, int32_t ix, uint32_t *nameoff,
                        uint32_t *parent_pc)
{
    uint64_t at = (uint64_t)ix * (g->go120 ? 16 : 20);
    if (g->go120)
        return sym_read_u32(tree, at + 4, nameoff) | sym_read_u32(tree, at + 8, parent_pc);
    return sym_read_u32(tree, at + 12, nameoff) | sym_read_u32(tree, at + 16, parent_pc);
}

/*
 * Walks the inline tree as the runtime's traceback does: the index at pc
 * names the innermost inlined callee, whose position is the one at pc; its
 * parentPc is an instruction carrying the call site's position, where the
 * walk continues until the index is -1 (the function itself).
 */
static int expand_inlines(const sym_gotab *g, const go_func *f, uint64_t *pc, sym_loc *locs,
                          int max)
{
    sym_bytes tree = inline_tree(g, f);
    uint32_t table = pcdata_table(g, f, PCDATA_INL_TREE_INDEX);
    int n = 0;
    if (tree.n == 0 || table == 0)
        return 0;
    while (n < max - 1) { /* keep one slot for the function itself */
        int32_t ix = pcvalue(g, table, f->entry, *pc);
        uint32_t nameoff, parent_pc;
        if (ix < 0 || inline_entry(g, tree, ix, &nameoff, &parent_pc) != 0)
            break;
        locs[n].function = sym_read_cstr(g->funcnames, nameoff);
        position(g, f, *pc, &locs[n]);
        n++;
        *pc = f->entry + parent_pc;
    }
    return n;
}

int sym_gotab_lookup(const sym_gotab *g, uint64_t vaddr, sym_loc *locs, int max)
{
    go_func f;
    if (max <= 0 || find_func(g, vaddr, &f) != 0)
        return 0;
    /*
     * The line table ends where the function's code ends, so a PC that lies
     * between Go functions (C code linked into the same text) has no line:
     * it is not Go, and must not be charged to the preceding function.
     */
    if (pcvalue(g, f.pcln, f.entry, vaddr) < 0)
        return 0;
    uint64_t pc = vaddr;
    int n = expand_inlines(g, &f, &pc, locs, max);
    locs[n].function = f.name;
    position(g, &f, pc, &locs[n]);
    return n + 1;
}
