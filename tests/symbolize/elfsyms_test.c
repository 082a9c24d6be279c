/*
 * Prints the symbols sym_elf_syms reads, one "INDEX VALUE NAME" line each
 * (VALUE in hex, NAME empty if none), for comparison with readelf; "none"
 * if there is no table. Usage: elfsyms_test [--symtab-only] FILE
 */
#include "symbolize/sym_elf.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    bool dynsym_too = !(argc > 2 && !strcmp(argv[1], "--symtab-only"));
    sym_elf e;
    if (argc < 2 || sym_elf_open(&e, argv[argc - 1]) != 0) {
        fprintf(stderr, "usage: elfsyms_test [--symtab-only] ELF-FILE\n");
        return 2;
    }
    sym_elf_syms it;
    GElf_Sym s;
    if (!sym_elf_syms_begin(&it, e.elf, dynsym_too))
        printf("none\n");
    else
        while (sym_elf_syms_next(&it, &s)) {
            const char *name = sym_elf_syms_name(&it, &s);
            printf("%zu %" PRIx64 " %s\n", it.i - 1, (uint64_t)s.st_value, name ? name : "");
        }
    sym_elf_close(&e);
    return 0;
}
