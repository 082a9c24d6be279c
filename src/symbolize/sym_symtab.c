/* Function symbols: a sorted array searched by address. */
#include "symbolize/sym_symtab.h"
#include "common/search.h"

#include <stdlib.h>
#include <string.h>

/*
 * How many earlier symbols a lookup looks at when the nearest one does not
 * contain the address: nested or aliased symbols start at or before it.
 */
#define BACKTRACK 8

static int cmp_symbol(const void *a, const void *b)
{
    const sym_symbol *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    /* Among aliases, the tightest (sized) one first keeps lookups precise. */
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Radix digits: the 8 bytes of end, then the 8 of addr (least significant first). */
#define DIGITS 16

static uint8_t digit(const sym_symbol *s, int d)
{
    uint64_t key = d < 8 ? s->end : s->addr;
    return (uint8_t)(key >> (8 * (d % 8)));
}

/* One stable counting pass on digit d, where count holds how many symbols have each value. */
static void radix_pass(const sym_symbol *src, sym_symbol *dst, size_t n, int d, size_t count[256])
{
    size_t pos = 0;
    for (int b = 0; b < 256; b++) {
        size_t c = count[b];
        count[b] = pos;
        pos += c;
    }
    for (size_t i = 0; i < n; i++)
        dst[count[digit(&src[i], d)]++] = src[i];
}

/* How many symbols have each value of each digit, for all passes at once. */
static void count_digits(const sym_symtab *t, size_t count[DIGITS][256])
{
    for (size_t i = 0; i < t->n; i++)
        for (int byte = 0; byte < 8; byte++) {
            count[byte][(uint8_t)(t->syms[i].end >> (8 * byte))]++;
            count[8 + byte][(uint8_t)(t->syms[i].addr >> (8 * byte))]++;
        }
}

/*
 * The order of cmp_symbol, keeping the file's order among equal keys (as
 * glibc's merge sort did). Sorting was most of loading a large table with
 * qsort, which pays a call per comparison; an LSD radix sort passes over
 * the table once per byte that differs between symbols.
 */
static void sort_symbols(sym_symtab *t)
{
    size_t count[DIGITS][256] = {{0}};
    sym_symbol *tmp = t->n > 1 ? malloc(t->n * sizeof(*tmp)) : NULL;
    if (tmp == NULL) {
        qsort(t->syms, t->n, sizeof(*t->syms), cmp_symbol);
        return;
    }
    count_digits(t, count);
    sym_symbol *src = t->syms, *dst = tmp;
    for (int d = 0; d < DIGITS; d++) {
        if (count[d][digit(&src[0], d)] == t->n)
            continue; /* every symbol has the same byte here */
        radix_pass(src, dst, t->n, d, count[d]);
        sym_symbol *was = src;
        src = dst;
        dst = was;
    }
    if (src != t->syms)
        memcpy(t->syms, src, t->n * sizeof(*src));
    free(tmp);
}

static uint64_t section_end(const sym_elf *e, size_t shndx)
{
    GElf_Shdr sh;
    Elf_Scn *scn = elf_getscn(e->elf, shndx);
    if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
        return 0;
    return sh.sh_addr + sh.sh_size;
}

static bool keep_symbol(const GElf_Sym *s, bool data)
{
    int type = GELF_ST_TYPE(s->st_info);
    /* A data object without a size is a section marker (Go's runtime.bss). */
    bool want = data ? type == STT_OBJECT && s->st_size : type == STT_FUNC || type == STT_GNU_IFUNC;
    return want && s->st_shndx != SHN_UNDEF && s->st_shndx < SHN_LORESERVE && s->st_value != 0;
}

/* Symbol s as the table keeps it, in *out; false if the table leaves it out. */
static bool table_entry(const sym_elf *e, const sym_elf_syms *it, const GElf_Sym *s, bool data,
                        sym_symbol *out)
{
    if (!keep_symbol(s, data))
        return false;
    const char *name = sym_elf_syms_name(it, s);
    if (name == NULL || name[0] == '\0')
        return false;
    uint64_t end = s->st_size ? s->st_value + s->st_size : section_end(e, s->st_shndx);
    if (end <= s->st_value)
        return false;
    *out = (sym_symbol){s->st_value, end, name, s->st_size != 0};
    return true;
}

static void load(sym_symtab *t, const sym_elf *e, bool data)
{
    memset(t, 0, sizeof(*t));
    sym_elf_syms it;
    if (!sym_elf_syms_begin_file(&it, e, true))
        return;
    t->syms = malloc((it.n ? it.n : 1) * sizeof(*t->syms));
    if (t->syms == NULL)
        return;
    GElf_Sym s;
    while (sym_elf_syms_next(&it, &s))
        if (table_entry(e, &it, &s, data, &t->syms[t->n]))
            t->n++;
    sort_symbols(t);
}

void sym_symtab_load(sym_symtab *t, const sym_elf *e)
{
    load(t, e, false);
}

void sym_symtab_load_data(sym_symtab *t, const sym_elf *e)
{
    load(t, e, true);
}

void sym_symtab_free(sym_symtab *t)
{
    free(t->syms);
    memset(t, 0, sizeof(*t));
}

const char *sym_symtab_lookup(const sym_symtab *t, uint64_t vaddr)
{
    const sym_symbol *s = sym_symtab_find(t, vaddr);
    return s ? s->name : NULL;
}

const sym_symbol *sym_symtab_find(const sym_symtab *t, uint64_t vaddr)
{
    size_t lo = CH_FIRST_ABOVE(t->syms, t->n, addr, vaddr);
    /*
     * A size-0 symbol (hand-written assembly, crt stubs) reaches to its
     * section's end, so it may only claim the address when it is the nearest
     * start; otherwise it would swallow gaps after later sized functions.
     */
    for (size_t i = lo, tried = 0; i > 0 && tried < BACKTRACK; i--, tried++) {
        const sym_symbol *s = &t->syms[i - 1];
        if (vaddr < s->end && (s->sized || tried == 0))
            return s;
    }
    return NULL;
}

/* Whether table entry x comes after y in the table's order (cmp_symbol, then file order). */
static bool after(const sym_symbol *x, size_t xi, const sym_symbol *y, size_t yi)
{
    if (x->addr != y->addr)
        return x->addr > y->addr;
    if (x->end != y->end)
        return x->end > y->end;
    return xi > yi;
}

/*
 * The entries sym_symtab_find would look at (the BACKTRACK last at or below vaddr in the
 * table's order) are the BACKTRACK greatest in that order among those at or below vaddr:
 * one pass keeps them, latest first, in near[], and the same rule then picks among them.
 */
int sym_symtab_find_once(const sym_elf *e, uint64_t vaddr, sym_symbol *out)
{
    sym_elf_syms it;
    if (!sym_elf_syms_begin_file(&it, e, true))
        return -1;
    sym_symbol near[BACKTRACK], cand;
    size_t at[BACKTRACK], k = 0, index = 0;
    bool any = false;
    GElf_Sym s;
    for (; sym_elf_syms_next(&it, &s); index++) {
        bool below = s.st_value <= vaddr;
        if (any && !below) /* it cannot be a candidate, and the table is known not empty */
            continue;
        if (!table_entry(e, &it, &s, false, &cand))
            continue;
        any = true;
        if (!below || (k == BACKTRACK && !after(&cand, index, &near[k - 1], at[k - 1])))
            continue;
        size_t i = k < BACKTRACK ? k++ : k - 1; /* the last place, or the least one's */
        for (; i > 0 && after(&cand, index, &near[i - 1], at[i - 1]); i--) {
            near[i] = near[i - 1];
            at[i] = at[i - 1];
        }
        near[i] = cand;
        at[i] = index;
    }
    if (!any)
        return -1;
    for (size_t i = 0; i < k; i++)
        if (vaddr < near[i].end && (near[i].sized || i == 0)) {
            *out = near[i];
            return 1;
        }
    return 0;
}

const char *sym_symtab_mangled_at(const sym_symtab *t, uint64_t vaddr)
{
    size_t lo = CH_FIRST_AT_LEAST(t->syms, t->n, addr, vaddr);
    /* Aliases share the address (C1/C2 constructors, local + global names). */
    for (size_t i = lo; i < t->n && t->syms[i].addr == vaddr; i++)
        if (strncmp(t->syms[i].name, "_Z", 2) == 0)
            return t->syms[i].name;
    return NULL;
}

uint64_t sym_symtab_find_name(const sym_elf *e, const char *name)
{
    sym_elf_syms it;
    GElf_Sym s;
    if (!sym_elf_syms_begin_file(&it, e, true))
        return 0;
    while (sym_elf_syms_next(&it, &s)) {
        const char *sname = sym_elf_syms_name(&it, &s);
        if (sname != NULL && strcmp(sname, name) == 0)
            return s.st_value;
    }
    return 0;
}
