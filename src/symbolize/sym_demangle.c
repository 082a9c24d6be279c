/*
 * Demangling through libstdc++'s __cxa_demangle (the C++ ABI entry point,
 * the same libiberty demangler binutils uses), loaded with dlopen on the
 * first mangled name: the CLI stays a C program that does not link the C++
 * runtime, and a machine without libstdc++ just keeps mangled names.
 * Results are memoized by name, because every PC of a function, and every
 * inlined copy of it, asks for the same one.
 */
#include "symbolize/sym_demangle.h"

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

typedef struct memo_slot {
    const char *mangled; /* interned; NULL = empty */
    const char *plain;   /* interned */
} memo_slot;

struct sym_demangler {
    sym_intern *strings;
    bool tried_load; /* dlopen is attempted once, never retried */
    void *lib;
    cxa_demangle_fn *demangle;
    memo_slot *slots; /* open addressing, power-of-two sized, load < 1/2 */
    size_t nslots, count;
};

sym_demangler *sym_demangler_new(sym_intern *strings)
{
    sym_demangler *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    d->strings = strings;
    d->nslots = 256;
    d->slots = calloc(d->nslots, sizeof(*d->slots));
    if (d->slots == NULL) {
        free(d);
        return NULL;
    }
    return d;
}

void sym_demangler_free(sym_demangler *d)
{
    if (d == NULL)
        return;
    if (d->lib != NULL)
        dlclose(d->lib);
    free(d->slots);
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

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

static memo_slot *find_slot(memo_slot *slots, size_t nslots, const char *name)
{
    size_t mask = nslots - 1;
    size_t i = hash_str(name) & mask;
    while (slots[i].mangled != NULL && strcmp(slots[i].mangled, name) != 0)
        i = (i + 1) & mask;
    return &slots[i];
}

static int grow(sym_demangler *d)
{
    size_t nslots = d->nslots * 2;
    memo_slot *slots = calloc(nslots, sizeof(*slots));
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < d->nslots; i++)
        if (d->slots[i].mangled != NULL)
            *find_slot(slots, nslots, d->slots[i].mangled) = d->slots[i];
    free(d->slots);
    d->slots = slots;
    d->nslots = nslots;
    return 0;
}

/* The interned demangled form, or the interned name when it cannot be demangled. */
static const char *demangle_fresh(sym_demangler *d, const char *name)
{
    if (!d->tried_load)
        load_runtime(d);
    if (d->demangle == NULL || strlen(name) > MAX_MANGLED_LEN)
        return sym_intern_str(d->strings, name);
    int status = -1;
    char *plain = d->demangle(name, NULL, NULL, &status);
    const char *kept = sym_intern_str(d->strings, status == 0 && plain ? plain : name);
    free(plain); /* malloc'ed by the demangler, NULL on failure */
    return kept;
}

const char *sym_demangle(sym_demangler *d, const char *name)
{
    /* Only "_Z" starts an Itanium ABI name; Go and C names never pay for a lookup. */
    if (strncmp(name, "_Z", 2) != 0)
        return sym_intern_str(d->strings, name);
    if (d->count * 2 >= d->nslots && grow(d) != 0)
        return NULL;
    memo_slot *slot = find_slot(d->slots, d->nslots, name);
    if (slot->mangled != NULL)
        return slot->plain;
    const char *mangled = sym_intern_str(d->strings, name);
    const char *plain = mangled ? demangle_fresh(d, name) : NULL;
    if (plain == NULL)
        return NULL;
    *slot = (memo_slot){mangled, plain};
    d->count++;
    return plain;
}
