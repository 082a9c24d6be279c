/* Function symbols: a sorted array searched by address. */
#include "common/search.h"
#include "symbolize/sym_symtab.h"

#include <stdlib.h>
#include <string.h>

/*
 * How many earlier symbols a lookup looks at when the nearest one does not
 * contain the address: nested or aliased symbols start at or before it.
 */
#define BACKTRACK 8

static Elf_Scn *symbol_section(const sym_elf *e, GElf_Shdr *sh)
{
    for (int pass = 0; pass < 2; pass++) {
        Elf32_Word want = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;
        for (Elf_Scn *scn = elf_nextscn(e->elf, NULL); scn; scn = elf_nextscn(e->elf, scn))
            if (gelf_getshdr(scn, sh) != NULL && sh->sh_type == want && sh->sh_entsize != 0)
                return scn;
    }
    return NULL;
}

static int cmp_symbol(const void *a, const void *b)
{
    const sym_symbol *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    /* Among aliases, the tightest (sized) one first keeps lookups precise. */
    return x->end < y->end ? -1 : x->end > y->end;
}

static uint64_t section_end(const sym_elf *e, size_t shndx)
{
    GElf_Shdr sh;
    Elf_Scn *scn = elf_getscn(e->elf, shndx);
    if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
        return 0;
    return sh.sh_addr + sh.sh_size;
}

static bool keep_symbol(const GElf_Sym *s)
{
    int type = GELF_ST_TYPE(s->st_info);
    return (type == STT_FUNC || type == STT_GNU_IFUNC) && s->st_shndx != SHN_UNDEF &&
           s->st_shndx < SHN_LORESERVE && s->st_value != 0;
}

void sym_symtab_load(sym_symtab *t, const sym_elf *e)
{
    memset(t, 0, sizeof(*t));
    GElf_Shdr sh;
    Elf_Scn *scn = symbol_section(e, &sh);
    Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
    if (d == NULL)
        return;
    size_t n = d->d_size / sh.sh_entsize;
    t->syms = malloc((n ? n : 1) * sizeof(*t->syms));
    if (t->syms == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        GElf_Sym s;
        if (gelf_getsym(d, (int)i, &s) == NULL || !keep_symbol(&s))
            continue;
        const char *name = elf_strptr(e->elf, sh.sh_link, s.st_name);
        if (name == NULL || name[0] == '\0')
            continue;
        uint64_t end = s.st_size ? s.st_value + s.st_size : section_end(e, s.st_shndx);
        if (end <= s.st_value)
            continue;
        t->syms[t->n++] = (sym_symbol){s.st_value, end, name, s.st_size != 0};
    }
    qsort(t->syms, t->n, sizeof(*t->syms), cmp_symbol);
}

void sym_symtab_free(sym_symtab *t)
{
    free(t->syms);
    memset(t, 0, sizeof(*t));
}

const char *sym_symtab_lookup(const sym_symtab *t, uint64_t vaddr)
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
            return s->name;
    }
    return NULL;
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
    GElf_Shdr sh;
    Elf_Scn *scn = symbol_section(e, &sh);
    Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
    if (d == NULL)
        return 0;
    size_t n = d->d_size / sh.sh_entsize;
    for (size_t i = 0; i < n; i++) {
        GElf_Sym s;
        if (gelf_getsym(d, (int)i, &s) == NULL)
            continue;
        const char *sname = elf_strptr(e->elf, sh.sh_link, s.st_name);
        if (sname != NULL && strcmp(sname, name) == 0)
            return s.st_value;
    }
    return 0;
}
