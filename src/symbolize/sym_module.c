/* Per-module lookup: chooses the right source of truth for each address. */
#include "symbolize/sym_module.h"

#include "symbolize/sym_debugfile.h"

#include <string.h>

void sym_module_init(sym_module *m, const char *path, const ch_module *from)
{
    memset(m, 0, sizeof(*m));
    m->path = path;
    m->dev = from->dev;
    m->ino = from->ino;
    m->refused = from->replaced;
}

void sym_module_free(sym_module *m)
{
    if (m->has_dwarf)
        sym_dwarf_close(&m->dwarf);
    sym_symtab_free(&m->symtab);
    if (m->has_debug)
        sym_elf_close(&m->debug);
    if (m->has_elf)
        sym_elf_close(&m->elf);
    memset(m, 0, sizeof(*m));
}

/*
 * Opening is lazy because most modules of a process (locale files, unused
 * libraries) never appear in a leak stack. A file that cannot be read
 * leaves the module with nothing, and every lookup then yields module+offset.
 */
static void open_file(sym_module *m)
{
    m->file_opened = true;
    if (m->refused || sym_elf_open_as(&m->elf, m->path, m->dev, m->ino) != 0)
        return;
    m->has_elf = true;
    sym_elf_build_id(&m->elf, m->build_id, sizeof(m->build_id));
}

/* Symbols are a second step: a build ID alone (for pprof's mappings) must
 * not cost a separate debug file's DWARF, which may be large and compressed. */
static void open_module(sym_module *m)
{
    m->opened = true;
    if (!m->file_opened)
        open_file(m);
    if (!m->has_elf)
        return;
    m->has_go = sym_gotab_init(&m->go, &m->elf) == 0;
    m->has_debug = sym_debugfile_open(&m->elf, m->path, &m->debug) == 0;
}

/* The symbol table, made on first use: the debug file's full .symtab wins over what
 * stripping left. */
static const sym_symtab *symtab(sym_module *m)
{
    if (m->symtab_made)
        return &m->symtab;
    m->symtab_made = true;
    sym_symtab_load(&m->symtab, m->has_debug ? &m->debug : &m->elf);
    if (m->symtab.n == 0 && m->has_debug) {
        sym_symtab_free(&m->symtab);
        sym_symtab_load(&m->symtab, &m->elf);
    }
    return &m->symtab;
}

/*
 * The function holding vaddr by the symbol table. The first few lookups of a module
 * read its symbols once each instead of making the table (sym_symtab_find_once): a
 * report whose frames are all suppressed names a handful of libc's addresses, and
 * libc's table (6,830 functions of its debug file) took 1.5-3 ms, most of it page faults.
 */
static const char *symbol_name(sym_module *m, uint64_t vaddr)
{
    if (m->symtab_made || m->lookups_once >= SYM_LOOKUPS_ONCE)
        return sym_symtab_lookup(symtab(m), vaddr);
    m->lookups_once++;
    sym_symbol s;
    int found = m->has_debug ? sym_symtab_find_once(&m->debug, vaddr, &s) : -1;
    if (found < 0) /* no function symbols in the debug file: the module's own */
        found = sym_symtab_find_once(&m->elf, vaddr, &s);
    return found > 0 ? s.name : NULL;
}

/* DWARF is the costly part (a separate debug file's sections are often
 * compressed), so it is a third step, taken only for full lookups. */
static void open_dwarf(sym_module *m)
{
    m->dwarf_opened = true;
    if (!m->has_elf)
        return;
    /* The debug file's DWARF wins over what stripping left. */
    m->has_dwarf = sym_dwarf_open(&m->dwarf, m->has_debug ? &m->debug : &m->elf) == 0;
    if (!m->has_dwarf && m->has_debug)
        m->has_dwarf = sym_dwarf_open(&m->dwarf, &m->elf) == 0;
}

int sym_module_lookup(sym_module *m, uint64_t vaddr, sym_loc *locs, int max, bool names_only)
{
    if (!m->opened)
        open_module(m);
    if (!names_only && !m->dwarf_opened)
        open_dwarf(m);
    if (!m->has_elf || max <= 0)
        return 0;
    memset(locs, 0, sizeof(*locs) * (size_t)max);
    int n = 0;
    if (m->has_go)
        n = sym_gotab_lookup(&m->go, vaddr, locs, max);
    if (n == 0 && m->has_dwarf && !names_only) {
        n = sym_dwarf_lookup(&m->dwarf, symtab(m), vaddr, locs, max);
        for (int i = 0; i < n; i++)
            locs[i].may_be_mangled = true;
    }
    /* Code without a DWARF subprogram (assembly, stripped objects) still has a symbol. */
    if (n == 0 || locs[n - 1].function == NULL) {
        const char *name = symbol_name(m, vaddr);
        if (name != NULL) {
            n = n > 0 ? n : 1;
            locs[n - 1].function = name;
            locs[n - 1].may_be_mangled = true;
        }
    }
    return n;
}

const char *sym_module_build_id(sym_module *m)
{
    if (!m->file_opened)
        open_file(m);
    return m->build_id;
}
