/*
 * Go runtime layouts from a Go executable (see golayout.h).
 *
 * The Go linker writes every runtime type into DWARF as a top-level
 * DW_TAG_structure_type named "runtime.g", "runtime.mspan", ... with
 * constant DW_AT_data_member_location members, so one pass over the top
 * level of each compile unit finds them. Nothing read here is trusted:
 * every offset must lie inside its struct and every member must have the
 * size the launcher reads, or the layout is refused.
 */
#include "collect/golayout.h"
#include "common/dwarf_prefix.h"
#include "symbolize/sym_elf.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

enum {
    S_MHEAP,
    S_MSPAN,
    S_G,
    S_STACK,
    S_GOBUF,
    S_M,
    S_SPECIAL,
    S_MODULE,
    S_FINBLOCK,
    S_SPFIN,
    S_HEAPARENA,
    S_ABITYPE,
    NSTRUCTS
};
/* Found with the others if they lie in the same units, but not waited for:
 * each runtime has only one of them (pointer bitmaps, or types' masks). */
#define NSTRUCTS_AWAITED S_HEAPARENA
static const char *const struct_names[NSTRUCTS] = {"runtime.mheap",     "runtime.mspan",
                                                   "runtime.g",         "runtime.stack",
                                                   "runtime.gobuf",     "runtime.m",
                                                   "runtime.special",   "runtime.moduledata",
                                                   "runtime.finblock",  "runtime.specialfinalizer",
                                                   "runtime.heapArena", "internal/abi.Type"};

/* A member the launcher reads: its struct, name and required byte size. */
typedef struct member_want {
    int in;
    const char *name;
    uint64_t size;
} member_want;

enum {
    M_ALLSPANS,
    M_START,
    M_NPAGES,
    M_STATE,
    M_STACK,
    M_SCHED,
    M_STATUS,
    M_LO,
    M_HI,
    M_SP,
    NREQUIRED, /* the members below only refine the answer: without them, no M walk */
    M_G0 = NREQUIRED,
    M_CURG,
    M_ALLLINK,
    M_INCGO,
    M_NCGO,
    M_EXTRA_IN_C,
    M_ISEXTRA,
    M_ELEMSIZE, /* the heap's objects (goheap.c); optional as a group */
    M_FREEINDEX,
    M_ALLOCBITS,
    M_SPECIALS,
    M_SP_NEXT,
    M_SP_OFFSET,
    M_SP_KIND,
    M_SPANCLASS,
    M_ALLARENAS,    /* optional: free pages no span describes any more (goruntime.c) */
    M_MD_NOPTRDATA, /* what Go's collector scans (gonoptr.c): with the heap's group */
    M_MD_ENOPTRDATA,
    M_MD_DATA,
    M_MD_EDATA,
    M_MD_BSS,
    M_MD_EBSS,
    M_MD_NOPTRBSS,
    M_MD_ENOPTRBSS,
    M_MD_DATAMASK,
    M_MD_BSSMASK,
    M_FIN_ALLLINK,
    M_SPFIN_FN,
    M_LARGETYPE, /* where the heap's pointers are: one of the three groups below */
    M_ARENAS,
    M_HA_BITMAP,
    M_T_SIZE,
    M_T_PTRBYTES,
    M_T_KIND,
    M_T_GCDATA,
    M_T_STR, /* a type's name, for --show-roots (gotype_name.c) */
    M_T_TFLAG,
    M_PC, /* these three for the precise stack walk (gostack.c) */
    M_SYSCALLSP,
    M_SYSCALLPC,
    M_GOID, /* for --show-roots (roots_why.c) */
    NM
};
static const member_want members[NM] = {
    [M_ALLSPANS] = {S_MHEAP, "allspans", 24},
    [M_START] = {S_MSPAN, "startAddr", 8},
    [M_NPAGES] = {S_MSPAN, "npages", 8},
    [M_STATE] = {S_MSPAN, "state", 1},
    [M_STACK] = {S_G, "stack", 16},
    [M_SCHED] = {S_G, "sched", 0},
    [M_STATUS] = {S_G, "atomicstatus", 4},
    [M_LO] = {S_STACK, "lo", 8},
    [M_HI] = {S_STACK, "hi", 8},
    [M_SP] = {S_GOBUF, "sp", 8},
    [M_G0] = {S_M, "g0", 8},
    [M_CURG] = {S_M, "curg", 8},
    [M_ALLLINK] = {S_M, "alllink", 8},
    [M_INCGO] = {S_M, "incgo", 1},
    [M_NCGO] = {S_M, "ncgo", 4},
    [M_EXTRA_IN_C] = {S_M, "isExtraInC", 1}, /* Go 1.21 and later */
    [M_ISEXTRA] = {S_M, "isextra", 1},       /* Go 1.20 and later */
    [M_ELEMSIZE] = {S_MSPAN, "elemsize", 8},
    [M_FREEINDEX] = {S_MSPAN, "freeindex", 0}, /* uintptr to Go 1.21, uint16 since */
    [M_ALLOCBITS] = {S_MSPAN, "allocBits", 8},
    [M_SPECIALS] = {S_MSPAN, "specials", 8},
    [M_SP_NEXT] = {S_SPECIAL, "next", 8},
    [M_SP_OFFSET] = {S_SPECIAL, "offset", 2},
    [M_SP_KIND] = {S_SPECIAL, "kind", 1},
    [M_SPANCLASS] = {S_MSPAN, "spanclass", 1},
    [M_ALLARENAS] = {S_MHEAP, "allArenas", 24}, /* []arenaIdx */
    [M_MD_NOPTRDATA] = {S_MODULE, "noptrdata", 8},
    [M_MD_ENOPTRDATA] = {S_MODULE, "enoptrdata", 8},
    [M_MD_DATA] = {S_MODULE, "data", 8},
    [M_MD_EDATA] = {S_MODULE, "edata", 8},
    [M_MD_BSS] = {S_MODULE, "bss", 8},
    [M_MD_EBSS] = {S_MODULE, "ebss", 8},
    [M_MD_NOPTRBSS] = {S_MODULE, "noptrbss", 8},
    [M_MD_ENOPTRBSS] = {S_MODULE, "enoptrbss", 8},
    [M_MD_DATAMASK] = {S_MODULE, "gcdatamask", 16}, /* a bitvector: n int32, bytedata *uint8 */
    [M_MD_BSSMASK] = {S_MODULE, "gcbssmask", 16},
    [M_FIN_ALLLINK] = {S_FINBLOCK, "alllink", 8},
    [M_SPFIN_FN] = {S_SPFIN, "fn", 8},
    [M_LARGETYPE] = {S_MSPAN, "largeType", 8},  /* Go 1.22 and later */
    [M_ARENAS] = {S_MHEAP, "arenas", 8},        /* [1]*[1 << 22]*heapArena on linux/amd64 */
    [M_HA_BITMAP] = {S_HEAPARENA, "bitmap", 0}, /* to Go 1.21 */
    [M_T_SIZE] = {S_ABITYPE, "Size_", 8},       /* Go 1.21 and later */
    [M_T_PTRBYTES] = {S_ABITYPE, "PtrBytes", 8},
    [M_T_KIND] = {S_ABITYPE, "Kind_", 1},
    [M_T_GCDATA] = {S_ABITYPE, "GCData", 8},
    [M_T_STR] = {S_ABITYPE, "Str", 4}, /* a nameOff from the module's types */
    [M_T_TFLAG] = {S_ABITYPE, "TFlag", 1},
    [M_PC] = {S_GOBUF, "pc", 8},
    [M_SYSCALLSP] = {S_G, "syscallsp", 8},
    [M_SYSCALLPC] = {S_G, "syscallpc", 8},
    [M_GOID] = {S_G, "goid", 8},
};

/* Types' data is bounded by runtime.types and etypes, from .symtab only (no
 * DWARF variables); so are the last three, for gonoptr.c. */
enum { V_MHEAP, V_ALLGS, V_ALLM, V_TYPES, V_ETYPES, V_CHUNKS, V_MODULE, V_ALLFIN, NVARS };

typedef struct scan_state {
    bool found[NSTRUCTS];
    uint64_t struct_size[NSTRUCTS];
    bool have[NM];
    uint64_t off[NM];
    uint64_t size[NM];
    uint64_t var_addr[NVARS]; /* var_names */
    /* A wanted struct or member whose type could not be read: it may lie
     * past the units read so far, so a longer prefix may tell more. */
    bool unresolved;
} scan_state;

static const char *const var_names[NVARS] = {
    "runtime.mheap_",          "runtime.allgs",  "runtime.allm",
    "runtime.types",           "runtime.etypes", "runtime.persistentChunks",
    "runtime.firstmoduledata", "runtime.allfin"};

static void read_member(scan_state *st, int s, Dwarf_Die *m)
{
    const char *name = dwarf_diename(m);
    Dwarf_Attribute a;
    Dwarf_Word off;
    Dwarf_Die type;
    for (int i = 0; name && i < NM; i++) {
        if (members[i].in != s || strcmp(members[i].name, name))
            continue;
        Dwarf_Word size;
        if (!dwarf_attr(m, DW_AT_data_member_location, &a) || dwarf_formudata(&a, &off))
            return;
        if (!dwarf_attr_integrate(m, DW_AT_type, &a) || !dwarf_formref_die(&a, &type) ||
            dwarf_aggregate_size(&type, &size)) {
            st->unresolved = true;
            return;
        }
        if (members[i].size && size != members[i].size)
            return; /* a member of another shape: this runtime is not understood */
        if (off > st->struct_size[s] || size > st->struct_size[s] - off)
            return;
        st->off[i] = off;
        st->size[i] = size;
        st->have[i] = true;
    }
}

static void read_struct(scan_state *st, Dwarf_Die *die)
{
    const char *name = dwarf_diename(die);
    Dwarf_Word size;
    for (int s = 0; name && s < NSTRUCTS; s++) {
        if (st->found[s] || strcmp(name, struct_names[s]))
            continue;
        if (dwarf_aggregate_size(die, &size)) {
            st->unresolved = true;
            continue;
        }
        st->found[s] = true;
        st->struct_size[s] = size;
        Dwarf_Die m;
        if (dwarf_child(die, &m) != 0)
            return;
        do
            if (dwarf_tag(&m) == DW_TAG_member)
                read_member(st, s, &m);
        while (dwarf_siblingof(&m, &m) == 0);
    }
}

/* A package variable's address: a location that is one DW_OP_addr. */
static void read_variable(scan_state *st, Dwarf_Die *die)
{
    const char *name = dwarf_diename(die);
    Dwarf_Attribute a;
    Dwarf_Op *ops;
    size_t nops;
    for (int v = 0; name && v < NVARS; v++)
        if (!st->var_addr[v] && !strcmp(name, var_names[v]) &&
            dwarf_attr(die, DW_AT_location, &a) && dwarf_getlocation(&a, &ops, &nops) == 0 &&
            nops == 1 && ops[0].atom == DW_OP_addr)
            st->var_addr[v] = ops[0].number;
}

static bool all_found(const scan_state *st)
{
    for (int s = 0; s < NSTRUCTS_AWAITED; s++)
        if (!st->found[s])
            return false;
    return st->var_addr[V_MHEAP] && st->var_addr[V_ALLGS] && st->var_addr[V_ALLM];
}

/* Scans units from offset *from until everything is found; *from is left where it stopped. */
static void scan_dwarf(Dwarf *dw, scan_state *st, Dwarf_Off *from)
{
    Dwarf_Off off = *from, next;
    size_t hsize;
    while (!all_found(st) && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
        Dwarf_Die cu, die;
        if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &die) == 0) {
            do {
                int tag = dwarf_tag(&die);
                if (tag == DW_TAG_structure_type)
                    read_struct(st, &die);
                else if (tag == DW_TAG_variable)
                    read_variable(st, &die);
            } while (dwarf_siblingof(&die, &die) == 0);
        }
        off = next;
    }
    *from = off;
}

/* var_names from .symtab; left 0 when absent. */
static bool read_symtab(Elf *elf, uint64_t addr[NVARS])
{
    sym_elf_syms it;
    GElf_Sym sym;
    if (!sym_elf_syms_begin(&it, elf, false))
        return false;
    while (sym_elf_syms_next(&it, &sym)) {
        const char *name = sym_elf_syms_name(&it, &sym);
        for (int v = 0; name && v < NVARS; v++)
            if (!addr[v] && !strcmp(name, var_names[v]))
                addr[v] = sym.st_value;
    }
    return true;
}

/* The M walk (runtime.allm) is optional: a runtime without these members
 * still gets the span and goroutine answer. isExtraInC is optional within
 * it, and so is isextra (Go 1.19 has neither: its extra Ms are told apart
 * by their goroutine and their g0 bounds, see goruntime.c). */
static void fill_m(const scan_state *st, ch_go_layout *out)
{
    for (int i = M_G0; i < M_EXTRA_IN_C; i++)
        if (!st->have[i])
            return;
    if (!st->var_addr[V_ALLM] || st->struct_size[S_M] > 65536)
        return;
    out->allm_addr = st->var_addr[V_ALLM];
    out->m_g0 = (uint32_t)st->off[M_G0];
    out->m_curg = (uint32_t)st->off[M_CURG];
    out->m_alllink = (uint32_t)st->off[M_ALLLINK];
    out->m_incgo = (uint32_t)st->off[M_INCGO];
    out->m_ncgo = (uint32_t)st->off[M_NCGO];
    out->m_extra_in_c = st->have[M_EXTRA_IN_C] ? (uint32_t)st->off[M_EXTRA_IN_C] : CH_GO_NO_MEMBER;
    out->m_isextra = st->have[M_ISEXTRA] ? (uint32_t)st->off[M_ISEXTRA] : CH_GO_NO_MEMBER;
    out->m_read = (uint32_t)st->struct_size[S_M];
}

/* Where types' names lie (--show-roots only): none unless all is known. */
static void fill_type_names(const scan_state *st, ch_go_layout *out)
{
    out->type_str = out->type_tflag = CH_GO_NO_MEMBER;
    if (!st->have[M_T_STR] || !st->have[M_T_TFLAG] || !st->var_addr[V_TYPES] ||
        st->var_addr[V_ETYPES] <= st->var_addr[V_TYPES])
        return;
    out->type_str = (uint32_t)st->off[M_T_STR];
    out->type_tflag = (uint32_t)st->off[M_T_TFLAG];
    out->types_lo = st->var_addr[V_TYPES];
    out->types_hi = st->var_addr[V_ETYPES];
}

/* The heap's objects and finalizers (goheap.c) are optional too. */
static void fill_heap(const scan_state *st, ch_go_layout *out)
{
    out->type_str = out->type_tflag = CH_GO_NO_MEMBER;
    for (int i = M_ELEMSIZE; i <= M_SPFIN_FN; i++)
        if (!st->have[i])
            return;
    if ((st->size[M_FREEINDEX] != 2 && st->size[M_FREEINDEX] != 8) ||
        st->struct_size[S_SPECIAL] > 256 || st->struct_size[S_MODULE] > 65536 ||
        st->struct_size[S_FINBLOCK] > 65536 || !st->var_addr[V_CHUNKS] || !st->var_addr[V_MODULE] ||
        !st->var_addr[V_ALLFIN])
        return;
    for (int i = 0; i < 8; i++)
        out->md_range[i / 2][i % 2] = (uint32_t)st->off[M_MD_NOPTRDATA + i];
    out->md_mask[0] = (uint32_t)st->off[M_MD_DATAMASK];
    out->md_mask[1] = (uint32_t)st->off[M_MD_BSSMASK];
    out->md_read = (uint32_t)st->struct_size[S_MODULE];
    out->chunks_addr = st->var_addr[V_CHUNKS];
    out->module_addr = st->var_addr[V_MODULE];
    out->allfin_addr = st->var_addr[V_ALLFIN];
    out->fin_alllink = (uint32_t)st->off[M_FIN_ALLLINK];
    out->fin_size = (uint32_t)st->struct_size[S_FINBLOCK];
    out->spfin_fn = (uint32_t)st->off[M_SPFIN_FN];
    out->span_elemsize = (uint32_t)st->off[M_ELEMSIZE];
    out->span_freeindex = (uint32_t)st->off[M_FREEINDEX];
    out->span_freeindex_size = (uint32_t)st->size[M_FREEINDEX];
    out->span_allocbits = (uint32_t)st->off[M_ALLOCBITS];
    out->span_specials = (uint32_t)st->off[M_SPECIALS];
    out->special_next = (uint32_t)st->off[M_SP_NEXT];
    out->special_offset = (uint32_t)st->off[M_SP_OFFSET];
    out->special_kind = (uint32_t)st->off[M_SP_KIND];
    out->special_read = (uint32_t)st->struct_size[S_SPECIAL];
    out->span_spanclass = (uint32_t)st->off[M_SPANCLASS];
    out->heap_ok = true;
    out->ptr_format = CH_GO_PTRS_UNKNOWN;
    uint64_t bitmap = st->size[M_HA_BITMAP];
    if (st->have[M_ARENAS] && st->have[M_HA_BITMAP] && (bitmap == 2u << 20 || bitmap == 1u << 20)) {
        out->ptr_format = bitmap == 2u << 20 ? CH_GO_PTRS_ARENA2 : CH_GO_PTRS_ARENA1;
        out->mheap_arenas = (uint32_t)st->off[M_ARENAS];
        out->arena_bitmap = (uint32_t)st->off[M_HA_BITMAP];
    } else if (st->have[M_LARGETYPE] && st->have[M_T_SIZE] && st->have[M_T_PTRBYTES] &&
               st->have[M_T_KIND] && st->have[M_T_GCDATA]) {
        out->ptr_format = CH_GO_PTRS_HEADERS;
        out->span_largetype = (uint32_t)st->off[M_LARGETYPE];
        out->type_size = (uint32_t)st->off[M_T_SIZE];
        out->type_ptrbytes = (uint32_t)st->off[M_T_PTRBYTES];
        out->type_kind = (uint32_t)st->off[M_T_KIND];
        out->type_gcdata = (uint32_t)st->off[M_T_GCDATA];
        out->type_read = (uint32_t)st->struct_size[S_ABITYPE];
        fill_type_names(st, out);
    }
}

static int fill(const scan_state *st, ch_go_layout *out, char *err, size_t errlen)
{
    /* The symbols first: without them it is no Go program, whatever its DWARF holds. */
    if (!st->var_addr[V_MHEAP] || !st->var_addr[V_ALLGS]) {
        snprintf(err, errlen, "no runtime.mheap_ / runtime.allgs symbol");
        return -1;
    }
    for (int i = 0; i < NREQUIRED; i++)
        if (!st->have[i]) {
            snprintf(err, errlen, "no DWARF layout for %s.%s", struct_names[members[i].in],
                     members[i].name);
            return -1;
        }
    /* Nested members: runtime.stack and runtime.gobuf lie inside runtime.g,
     * and read_member checked that each fits in its own struct. */
    out->mheap_addr = st->var_addr[V_MHEAP];
    out->allgs_addr = st->var_addr[V_ALLGS];
    out->allspans = (uint32_t)st->off[M_ALLSPANS];
    out->allarenas = st->have[M_ALLARENAS] ? (uint32_t)st->off[M_ALLARENAS] : CH_GO_NO_MEMBER;
    out->span_start = (uint32_t)st->off[M_START];
    out->span_npages = (uint32_t)st->off[M_NPAGES];
    out->span_state = (uint32_t)st->off[M_STATE];
    out->g_lo = (uint32_t)(st->off[M_STACK] + st->off[M_LO]);
    out->g_hi = (uint32_t)(st->off[M_STACK] + st->off[M_HI]);
    out->g_sp = (uint32_t)(st->off[M_SCHED] + st->off[M_SP]);
    out->g_status = (uint32_t)st->off[M_STATUS];
    if (st->off[M_SCHED] + st->off[M_SP] + 8 > st->struct_size[S_G] ||
        st->struct_size[S_G] > 65536 || st->struct_size[S_MSPAN] > 65536) {
        snprintf(err, errlen, "implausible runtime.g / runtime.mspan layout");
        return -1;
    }
    out->span_read = (uint32_t)st->struct_size[S_MSPAN];
    out->g_read = (uint32_t)st->struct_size[S_G];
    bool walk = st->have[M_PC] && st->have[M_SYSCALLSP] && st->have[M_SYSCALLPC] &&
                st->off[M_SCHED] + st->off[M_PC] + 8 <= st->struct_size[S_G];
    out->g_pc = walk ? (uint32_t)(st->off[M_SCHED] + st->off[M_PC]) : CH_GO_NO_MEMBER;
    out->g_syscallsp = walk ? (uint32_t)st->off[M_SYSCALLSP] : CH_GO_NO_MEMBER;
    out->g_syscallpc = walk ? (uint32_t)st->off[M_SYSCALLPC] : CH_GO_NO_MEMBER;
    out->g_goid = st->have[M_GOID] ? (uint32_t)st->off[M_GOID] : CH_GO_NO_MEMBER;
    fill_m(st, out);
    fill_heap(st, out);
    return 0;
}

/*
 * The file is read with pread (ELF_C_READ), never mapped: a mapping of a
 * file that shrinks under us would raise SIGBUS. A section header table
 * that does not fit in the file is refused before libelf walks it.
 */
static Elf *open_elf(int fd, uint64_t *size, GElf_Ehdr *eh)
{
    struct stat st;
    size_t shnum;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
        return NULL;
    *size = (uint64_t)st.st_size;
    elf_version(EV_CURRENT);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    if (elf && elf_kind(elf) == ELF_K_ELF && gelf_getehdr(elf, eh) &&
        eh->e_ident[EI_CLASS] == ELFCLASS64 && elf_getshdrnum(elf, &shnum) == 0 &&
        eh->e_shoff <= *size && shnum <= (*size - eh->e_shoff) / sizeof(Elf64_Shdr))
        return elf;
    if (elf)
        elf_end(elf);
    return NULL;
}

/*
 * Go's linker writes the runtime's types into one of the first units of
 * .debug_info, which it compresses with every package's units: growing
 * prefixes are scanned until one answers fully (dwarf_prefix.h), each scan
 * going on where the last stopped. A type that could not be read may lie
 * past the last prefix: then the next one is scanned from the start.
 * Returns -1 if the section cannot be read that way.
 */
static int scan_prefixes(const ch_dwarf_source *src, scan_state *st)
{
    ch_dwarf_prefix p;
    if (ch_dwarf_prefix_begin(&p, src) != 0)
        return -1;
    const scan_state from_symtab = *st;
    Dwarf_Off from = 0;
    int rc = 0;
    for (bool whole = false; !whole;) {
        ch_dwarf_subset dwarf;
        if (ch_dwarf_prefix_next(&p, ch_dwarf_types_sections, &dwarf, &whole) != 0) {
            rc = -1;
            break;
        }
        if (st->unresolved) {
            *st = from_symtab;
            from = 0;
        }
        scan_dwarf(dwarf.dw, st, &from);
        ch_dwarf_subset_close(&dwarf);
        if (all_found(st) && !st->unresolved)
            break;
    }
    ch_dwarf_prefix_end(&p);
    if (rc != 0)
        *st = from_symtab;
    return rc;
}

/* Only the sections types are made of: libdw would inflate line tables and location lists too. */
static int scan_whole(const ch_dwarf_source *src, scan_state *st)
{
    ch_dwarf_subset dwarf;
    Dwarf_Off from = 0;
    if (ch_dwarf_subset_open(&dwarf, src, ch_dwarf_types_sections, NULL) != 0)
        return -1;
    scan_dwarf(dwarf.dw, st, &from);
    ch_dwarf_subset_close(&dwarf);
    return 0;
}

int ch_go_layout_read(int fd, ch_go_layout *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    ch_dwarf_source src = {.read = ch_pread_all, .ctx = &fd};
    GElf_Ehdr eh;
    src.elf = open_elf(fd, &src.file_size, &eh);
    if (!src.elf) {
        snprintf(err, errlen, "not an ELF file, or truncated");
        return -1;
    }
    out->entry = eh.e_entry;
    out->pie = eh.e_type == ET_DYN;
    scan_state st = {0};
    if (read_symtab(src.elf, st.var_addr) && (!st.var_addr[V_MHEAP] || !st.var_addr[V_ALLGS])) {
        /* A symbol table without Go's runtime: no Go program, its DWARF is not read. */
        elf_end(src.elf);
        snprintf(err, errlen, "no runtime.mheap_ / runtime.allgs symbol");
        return -1;
    }
    int rc = scan_prefixes(&src, &st) == 0 ? 0 : scan_whole(&src, &st);
    elf_end(src.elf);
    if (rc != 0) {
        snprintf(err, errlen, "no DWARF");
        return -1;
    }
    return fill(&st, out, err, errlen);
}
