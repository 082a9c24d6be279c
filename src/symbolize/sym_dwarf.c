/*
 * DWARF lookups. Units are found through a table of their address ranges
 * built once per file from each unit's DW_AT_ranges / low_pc-high_pc,
 * because .debug_aranges is optional (clang omits it) and libdw's
 * dwarf_addrdie relies on it.
 */
#include "symbolize/sym_dwarf.h"
#include "common/search.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

struct sym_cu_range {
    uint64_t lo, hi;
    size_t cu; /* index into units */
};

/* A function's address range; a function with several ranges has several. */
typedef struct fn_range {
    uint64_t lo, hi;
    Dwarf_Die die;
} fn_range;

/*
 * A unit's functions, indexed on first use: walking a big unit's DIEs for
 * every PC (Go's runtime unit, an SQLite amalgamation) would cost
 * milliseconds per PC.
 */
struct sym_unit {
    Dwarf_Die die;
    fn_range *fns; /* sorted by lo */
    size_t nfns, cap;
    bool indexed;
};

static int cmp_range(const void *a, const void *b)
{
    const sym_cu_range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int cmp_fn(const void *a, const void *b)
{
    const fn_range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int add_unit(sym_dwarf *d, const Dwarf_Die *cu)
{
    if (d->nunits == d->units_cap) {
        size_t ncap = d->units_cap ? d->units_cap * 2 : 64;
        sym_unit *grown = realloc(d->units, ncap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        d->units = grown;
        d->units_cap = ncap;
    }
    d->units[d->nunits++] = (sym_unit){.die = *cu};
    return 0;
}

static int add_range(sym_dwarf *d, size_t *cap, uint64_t lo, uint64_t hi, size_t cu)
{
    if (d->nranges == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        sym_cu_range *grown = realloc(d->ranges, ncap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        d->ranges = grown;
        *cap = ncap;
    }
    d->ranges[d->nranges++] = (sym_cu_range){lo, hi, cu};
    return 0;
}

static int add_unit_ranges(sym_dwarf *d, size_t *cap, Dwarf_Die *cu)
{
    if (add_unit(d, cu) != 0)
        return -1;
    size_t index = d->nunits - 1;
    Dwarf_Addr base, lo, hi;
    ptrdiff_t off = 0;
    /* A corrupt unit could list ranges without end; bound the walk. */
    for (int i = 0; i < 100000; i++) {
        off = dwarf_ranges(cu, off, &base, &lo, &hi);
        if (off <= 0)
            break;
        if (hi > lo && add_range(d, cap, lo, hi, index) != 0)
            return -1;
    }
    return 0;
}

static void build_ranges(sym_dwarf *d)
{
    size_t cap = 0;
    Dwarf_CU *cu = NULL;
    Dwarf_Die cudie;
    uint8_t unit_type;
    while (dwarf_get_units(d->dbg, cu, &cu, NULL, &unit_type, &cudie, NULL) == 0) {
        if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
            continue;
        if (add_unit_ranges(d, &cap, &cudie) != 0)
            break;
    }
    if (d->nranges > 1)
        qsort(d->ranges, d->nranges, sizeof(*d->ranges), cmp_range);
}

static void end_prefix(sym_dwarf *d)
{
    ch_dwarf_prefix_end(d->prefix);
    free(d->prefix);
    d->prefix = NULL;
}

static void drop_units(sym_dwarf *d)
{
    for (size_t i = 0; i < d->nunits; i++)
        free(d->units[i].fns);
    free(d->units);
    free(d->ranges);
    d->units = NULL;
    d->ranges = NULL;
    d->nunits = d->units_cap = d->nranges = 0;
}

/*
 * Moves to a prefix holding the unit at offset unit (all of .debug_info
 * past its end). Earlier prefixes stay open until close: the names and
 * files of earlier lookups point into them.
 */
static int reach_unit(sym_dwarf *d, uint64_t unit)
{
    ch_dwarf_subset next, *kept;
    bool whole;
    if (ch_dwarf_prefix_reach(d->prefix, ch_dwarf_lines_sections, &next, unit, &whole) != 0)
        return -1;
    if (d->dbg != NULL) {
        kept = realloc(d->earlier, (d->nearlier + 1) * sizeof(*kept));
        if (kept == NULL) {
            ch_dwarf_subset_close(&next);
            return -1;
        }
        d->earlier = kept;
        d->earlier[d->nearlier++] = d->sections;
    }
    drop_units(d);
    d->sections = next;
    d->dbg = next.dw;
    build_ranges(d);
    if (whole) /* nothing more to inflate */
        end_prefix(d);
    return 0;
}

/*
 * Where vaddr's unit may lie past the prefix (or nothing is open yet), the
 * prefix grows to hold it. A prefix that cannot be read ends the growth:
 * lookups then use what is open, if anything.
 */
static void reach(sym_dwarf *d, uint64_t vaddr)
{
    uint64_t unit;
    if (!sym_aranges_unit(&d->aranges, vaddr, &unit))
        unit = UINT64_MAX; /* not listed: the unit could be anywhere */
    if (d->dbg != NULL && unit < d->prefix->units_end)
        return;
    if (reach_unit(d, unit) != 0)
        end_prefix(d);
}

/*
 * libc6-dbg's debug file compresses 5.8 MB of .debug_info to 2.3 MB, and a
 * report whose stacks run through __libc_start_call_main needs one unit at
 * its very start. When .debug_aranges says which unit holds each address,
 * .debug_info is inflated in growing prefixes up to the units that lookups
 * ask for, from the first lookup on, instead of whole at open.
 */
static int open_lazily(sym_dwarf *d, const ch_dwarf_source *src)
{
    d->prefix = calloc(1, sizeof(*d->prefix));
    if (d->prefix == NULL || ch_dwarf_prefix_begin(d->prefix, src) != 0) {
        free(d->prefix); /* not compressed with zlib: read whole */
        d->prefix = NULL;
        return -1;
    }
    if (sym_aranges_read(&d->aranges, src) != 0) {
        end_prefix(d);
        return -1;
    }
    return 0;
}

int sym_dwarf_open(sym_dwarf *d, sym_elf *e)
{
    memset(d, 0, sizeof(*d));
    /* Location lists and call frames are never read here, and are the bulk
     * of a debug file once inflated: libdw gets only what lookups use. */
    ch_dwarf_source src = {e->elf, e->size, sym_elf_read, e};
    if (open_lazily(d, &src) == 0)
        return 0;
    if (ch_dwarf_subset_open(&d->sections, &src, ch_dwarf_lines_sections, NULL) != 0)
        return -1;
    d->dbg = d->sections.dw;
    build_ranges(d);
    if (d->nranges == 0) {
        sym_dwarf_close(d);
        return -1;
    }
    return 0;
}

void sym_dwarf_close(sym_dwarf *d)
{
    ch_dwarf_subset_close(&d->sections);
    for (size_t i = 0; i < d->nearlier; i++)
        ch_dwarf_subset_close(&d->earlier[i]);
    free(d->earlier);
    if (d->prefix != NULL)
        end_prefix(d);
    sym_aranges_free(&d->aranges);
    drop_units(d);
    memset(d, 0, sizeof(*d));
}

static sym_unit *find_unit(sym_dwarf *d, uint64_t vaddr)
{
    size_t lo = CH_FIRST_ABOVE(d->ranges, d->nranges, lo, vaddr);
    /* Units rarely overlap, but a few earlier ranges may still be wider. */
    for (size_t i = lo, tried = 0; i > 0 && tried < 4; i--, tried++)
        if (vaddr < d->ranges[i - 1].hi)
            return &d->units[d->ranges[i - 1].cu];
    return NULL;
}

/* Scopes below this depth are ignored: it bounds recursion on hostile DWARF. */
#define MAX_NESTING 64

typedef struct fn_chain {
    Dwarf_Die dies[SYM_MAX_INLINE]; /* subprogram, then inlined calls, outermost first */
    int n;
} fn_chain;

static bool find_in_children(Dwarf_Die *parent, uint64_t vaddr, fn_chain *chain, int depth);

/*
 * Descends from a function into the inlined calls that contain vaddr.
 * libdw's dwarf_getscopes is not used: with GCC 12 output it can drop the
 * concrete subprogram that holds an inlined call, losing the outer frame.
 */
static bool visit(Dwarf_Die *die, uint64_t vaddr, fn_chain *chain, int depth)
{
    switch (dwarf_tag(die)) {
    case DW_TAG_subprogram:
    case DW_TAG_inlined_subroutine:
        if (dwarf_haspc(die, vaddr) != 1)
            return false;
        if (chain->n < SYM_MAX_INLINE)
            chain->dies[chain->n++] = *die;
        find_in_children(die, vaddr, chain, depth + 1);
        return true;
    case DW_TAG_lexical_block:
    case DW_TAG_try_block:
    case DW_TAG_catch_block:
        if (dwarf_haspc(die, vaddr) != 1)
            return false;
        find_in_children(die, vaddr, chain, depth + 1);
        return true;
    case DW_TAG_namespace: /* C++ definitions may sit inside these, without ranges */
    case DW_TAG_class_type:
    case DW_TAG_structure_type:
    case DW_TAG_module:
        return find_in_children(die, vaddr, chain, depth + 1);
    default:
        return false;
    }
}

static bool find_in_children(Dwarf_Die *parent, uint64_t vaddr, fn_chain *chain, int depth)
{
    Dwarf_Die child;
    if (depth > MAX_NESTING || dwarf_child(parent, &child) != 0)
        return false;
    do {
        if (visit(&child, vaddr, chain, depth))
            return true;
    } while (dwarf_siblingof(&child, &child) == 0);
    return false;
}

static void add_fn(sym_unit *u, uint64_t lo, uint64_t hi, const Dwarf_Die *die)
{
    if (u->nfns == u->cap) {
        size_t ncap = u->cap ? u->cap * 2 : 64;
        fn_range *grown = realloc(u->fns, ncap * sizeof(*grown));
        if (grown == NULL)
            return; /* the index just misses this function */
        u->fns = grown;
        u->cap = ncap;
    }
    u->fns[u->nfns++] = (fn_range){lo, hi, *die};
}

static void index_fn(sym_unit *u, Dwarf_Die *die)
{
    Dwarf_Addr base, lo, hi;
    ptrdiff_t off = 0;
    for (int i = 0; i < 10000 && (off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0; i++)
        if (hi > lo)
            add_fn(u, lo, hi, die);
}

/* Concrete functions sit at unit level, or inside namespaces/classes in C++. */
static void index_children(sym_unit *u, Dwarf_Die *parent, int depth)
{
    Dwarf_Die child;
    if (depth > MAX_NESTING || dwarf_child(parent, &child) != 0)
        return;
    do {
        switch (dwarf_tag(&child)) {
        case DW_TAG_subprogram:
            index_fn(u, &child);
            break;
        case DW_TAG_namespace:
        case DW_TAG_class_type:
        case DW_TAG_structure_type:
        case DW_TAG_module:
            index_children(u, &child, depth + 1);
            break;
        default:
            break;
        }
    } while (dwarf_siblingof(&child, &child) == 0);
}

static Dwarf_Die *find_fn(sym_unit *u, uint64_t vaddr)
{
    if (!u->indexed) {
        u->indexed = true;
        index_children(u, &u->die, 0);
        if (u->nfns > 1)
            qsort(u->fns, u->nfns, sizeof(*u->fns), cmp_fn);
    }
    size_t lo = CH_FIRST_ABOVE(u->fns, u->nfns, lo, vaddr);
    for (size_t i = lo, tried = 0; i > 0 && tried < 4; i--, tried++)
        if (vaddr < u->fns[i - 1].hi)
            return &u->fns[i - 1].die;
    return NULL;
}

static const char *call_file(Dwarf_Die *cu, Dwarf_Die *inl)
{
    Dwarf_Attribute attr;
    Dwarf_Word idx;
    Dwarf_Files *files;
    size_t nfiles;
    if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &idx) != 0 ||
        dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles)
        return NULL;
    return dwarf_filesrc(files, idx, NULL, NULL);
}

static int call_line(Dwarf_Die *inl)
{
    Dwarf_Attribute attr;
    Dwarf_Word line;
    if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &attr), &line) != 0 || line > INT32_MAX)
        return 0;
    return (int)line;
}

/*
 * C++ functions carry their mangled name (demangled later), which holds
 * the namespaces, class and parameter types that DW_AT_name lacks; C and Go
 * functions have only DW_AT_name. The _integrate lookups follow
 * DW_AT_abstract_origin (inlined and out-of-line copies) and
 * DW_AT_specification (a method defined outside its class), where GCC and
 * clang put the linkage name; libdw bounds those chains.
 */
static const char *linkage_name(Dwarf_Die *die)
{
    Dwarf_Attribute attr;
    const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
    if (name == NULL)
        name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
    /* Only a C++ mangled name says more than DW_AT_name. C code may carry an
     * assembler alias here (glibc's __GI__dl_allocate_tls for
     * _dl_allocate_tls): users, addr2line and suppressions know the C name. */
    if (name != NULL && strncmp(name, "_Z", 2) != 0)
        return NULL;
    return name;
}

static const char *function_name(Dwarf_Die *die)
{
    const char *name = linkage_name(die);
    return name != NULL ? name : dwarf_diename(die);
}

/*
 * GCC omits the linkage name of internal-linkage C++ functions at -O0
 * (anonymous namespaces, static members' helpers), leaving only the bare
 * DW_AT_name. The ELF symbol that starts where the function's first range
 * starts still has the qualified mangled name; binutils addr2line uses it
 * the same way. The first range is the function's entry part, so a split
 * .cold part gets the entry's name, not "[clone .cold]".
 */
static const char *symbol_name(Dwarf_Die *fn, const sym_symtab *symtab)
{
    Dwarf_Addr base, lo, hi;
    if (symtab == NULL || linkage_name(fn) != NULL || dwarf_ranges(fn, 0, &base, &lo, &hi) <= 0)
        return NULL;
    return sym_symtab_mangled_at(symtab, lo);
}

/*
 * The innermost location comes from the line table (already in locs[0]).
 * Each inlined call names the callee; its DW_AT_call_file/line give the
 * position in the next enclosing function.
 */
static int chain_to_locs(Dwarf_Die *cu, fn_chain *chain, sym_loc *locs, int max)
{
    int n = 0;
    for (int i = chain->n - 1; i >= 0 && n < max; i--) {
        Dwarf_Die *die = &chain->dies[i];
        locs[n].function = function_name(die);
        n++;
        if (n < max && dwarf_tag(die) == DW_TAG_inlined_subroutine) {
            locs[n].file = call_file(cu, die);
            locs[n].line = call_line(die);
        }
    }
    return n;
}

int sym_dwarf_lookup(sym_dwarf *d, const sym_symtab *symtab, uint64_t vaddr, sym_loc *locs, int max)
{
    if (d->prefix != NULL)
        reach(d, vaddr);
    sym_unit *unit = find_unit(d, vaddr);
    if (unit == NULL || max <= 0)
        return 0;
    Dwarf_Die *cu = &unit->die;
    memset(locs, 0, sizeof(*locs) * (size_t)max);
    Dwarf_Line *line = dwarf_getsrc_die(cu, vaddr);
    if (line != NULL) {
        int lineno = 0;
        locs[0].file = dwarf_linesrc(line, NULL, NULL);
        if (dwarf_lineno(line, &lineno) == 0 && lineno > 0)
            locs[0].line = lineno;
    }
    fn_chain chain = {.n = 0};
    Dwarf_Die *fn = find_fn(unit, vaddr);
    if (fn != NULL) {
        chain.dies[chain.n++] = *fn;
        find_in_children(fn, vaddr, &chain, 1);
    }
    int n = chain_to_locs(cu, &chain, locs, max);
    /* locs[n - 1] is the subprogram itself unless a deep inline chain was cut. */
    if (fn != NULL && n == chain.n) {
        const char *sym = symbol_name(fn, symtab);
        if (sym != NULL)
            locs[n - 1].function = sym;
    }
    return n > 0 ? n : 1; /* the unit covers vaddr even if no function DIE does */
}
