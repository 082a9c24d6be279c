/*
 * Demangling through libstdc++'s __cxa_demangle (the C++ ABI entry point,
 * the same libiberty demangler binutils uses), loaded with dlopen on the
 * first mangled name: the CLI stays a C program that does not link the C++
 * runtime, and a machine without libstdc++ just keeps mangled names.
 * Results are memoized by name (by the address of its interned copy),
 * because every PC of a function, and every inlined copy of it, asks for
 * the same one.
 */
#include "symbolize/sym_demangle.h"
#include "common/u64map.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Overridable at build time so tests can simulate a missing C++ runtime. */
#ifndef SYM_DEMANGLE_LIB
#define SYM_DEMANGLE_LIB "libstdc++.so.6"
#endif

/*
 * Longer names stay mangled. Real template names reach a few KiB; the
 * bound only keeps a hostile symbol table from feeding the demangler
 * (recursive, and historically fragile) arbitrarily large input.
 */
#define MAX_MANGLED_LEN (32 * 1024)

typedef char *cxa_demangle_fn(const char *mangled, char *buf, size_t *len, int *status);

struct sym_demangler {
    ch_interner *strings;
    bool tried_load; /* dlopen is attempted once, never retried */
    void *lib;
    cxa_demangle_fn *demangle;
    ch_u64map memo; /* interned mangled name's address -> interned plain form */
};

sym_demangler *sym_demangler_new(ch_interner *strings)
{
    sym_demangler *d = calloc(1, sizeof(*d));
    if (d != NULL)
        d->strings = strings;
    return d;
}

void sym_demangler_free(sym_demangler *d)
{
    if (d == NULL)
        return;
    if (d->lib != NULL)
        dlclose(d->lib);
    ch_u64map_free(&d->memo);
    free(d);
}

static void load_runtime(sym_demangler *d)
{
    d->tried_load = true;
    d->lib = dlopen(SYM_DEMANGLE_LIB, RTLD_NOW | RTLD_LOCAL);
    if (d->lib == NULL)
        return;
    /* POSIX guarantees a data pointer from dlsym converts to a function pointer. */
    void *sym = dlsym(d->lib, "__cxa_demangle");
    memcpy(&d->demangle, &sym, sizeof(sym));
}

/* The interned demangled form, or the interned name when it cannot be demangled. */
static const char *demangle_fresh(sym_demangler *d, const char *name)
{
    if (!d->tried_load)
        load_runtime(d);
    if (d->demangle == NULL || strlen(name) > MAX_MANGLED_LEN)
        return ch_intern(d->strings, name, NULL);
    int status = -1;
    char *plain = d->demangle(name, NULL, NULL, &status);
    const char *kept = ch_intern(d->strings, status == 0 && plain ? plain : name, NULL);
    free(plain); /* malloc'ed by the demangler, NULL on failure */
    return kept;
}

const char *sym_demangle(sym_demangler *d, const char *name)
{
    /* Only "_Z" starts an Itanium ABI name; Go and C names never pay for a lookup. */
    if (strncmp(name, "_Z", 2) != 0)
        return ch_intern(d->strings, name, NULL);
    const char *mangled = ch_intern(d->strings, name, NULL);
    if (mangled == NULL)
        return NULL;
    uint64_t *memo = ch_u64map_get(&d->memo, (uintptr_t)mangled);
    if (memo != NULL)
        return (const char *)(uintptr_t)*memo;
    const char *plain = demangle_fresh(d, name);
    if (plain == NULL)
        return NULL;
    /* Out of memory, the answer is just not kept: the next lookup demangles again. */
    if ((memo = ch_u64map_put(&d->memo, (uintptr_t)mangled, NULL)) != NULL)
        *memo = (uintptr_t)plain;
    return plain;
}
