/*
 * Prints the symbols sym_elf_syms reads, one "INDEX VALUE NAME" line each
 * (VALUE in hex, NAME empty if none), for comparison with readelf; "none"
 * if there is no table. Usage: elfsyms_test [--symtab-only] FILE
 *
 * elfsyms_test --once FILE: looks up the first, second and last byte of every function
 * of FILE's table, and the byte after it, both in the table (sym_symtab_find) and by a
 * pass over the file (sym_symtab_find_once); prints "N lookups, M differ" (then the first
 * few that differ) and exits 1 if any does.
 */
#include "symbolize/sym_elf.h"
#include "symbolize/sym_symtab.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool same(int found, const sym_symbol *s, const sym_symbol *t)
{
    if ((found > 0) != (t != NULL))
        return false;
    return !t || (s->addr == t->addr && s->end == t->end && s->sized == t->sized &&
                  strcmp(s->name, t->name) == 0);
}

static int compare_once(const sym_elf *e)
{
    sym_symtab t;
    sym_symtab_load(&t, e);
    size_t n = 0, differ = 0;
    for (size_t i = 0; i < t.n; i++) {
        const uint64_t at[4] = {t.syms[i].addr, t.syms[i].addr + 1, t.syms[i].end - 1,
                                t.syms[i].end};
        for (int k = 0; k < 4; k++, n++) {
            sym_symbol s;
            int found = sym_symtab_find_once(e, at[k], &s);
            const sym_symbol *want = sym_symtab_find(&t, at[k]);
            if (same(found, &s, want))
                continue;
            if (differ++ < 5)
                printf("%" PRIx64 ": once %s, table %s\n", at[k], found > 0 ? s.name : "-",
                       want ? want->name : "-");
        }
    }
    printf("%zu lookups, %zu differ\n", n, differ);
    sym_symtab_free(&t);
    return differ != 0;
}

int main(int argc, char **argv)
{
    bool once = argc > 2 && !strcmp(argv[1], "--once");
    bool dynsym_too = !(argc > 2 && !strcmp(argv[1], "--symtab-only"));
    sym_elf e;
    if (argc < 2 || sym_elf_open(&e, argv[argc - 1]) != 0) {
        fprintf(stderr, "usage: elfsyms_test [--symtab-only|--once] ELF-FILE\n");
        return 2;
    }
    if (once) {
        int rc = compare_once(&e);
        sym_elf_close(&e);
        return rc;
    }
    sym_elf_syms it;
    GElf_Sym s;
    if (!sym_elf_syms_begin_file(&it, &e, dynsym_too))
        printf("none\n");
    else
        while (sym_elf_syms_next(&it, &s)) {
            const char *name = sym_elf_syms_name(&it, &s);
            printf("%zu %" PRIx64 " %s\n", it.i - 1, (uint64_t)s.st_value, name ? name : "");
        }
    sym_elf_close(&e);
    return 0;
}
