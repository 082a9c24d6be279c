/*
 * Finding the program's allocator (next.h).
 *
 * The agent is preloaded, so its malloc comes first in lookup order for
 * everyone, but a program linked with jemalloc or tcmalloc expects blocks
 * from that library: its malloc_usable_size, mallocx or operator delete
 * would get glibc blocks from us and crash. So the first allocation asks
 * dlsym(RTLD_NEXT) for the next malloc: if it is glibc's, the agent calls
 * __libc_* (no indirection beyond a PLT's), else every entry point forwards
 * to the next definition of its own name, and names the allocator lacks
 * are built from its memalign (jemalloc has no valloc/pvalloc). Functions
 * the agent does not export (malloc_usable_size, mallocx, ...) reach the
 * program's allocator directly, as without the agent.
 *
 * What cannot be followed: an allocator's own operator new/delete (both
 * jemalloc and tcmalloc define them) do not call malloc, so C++ new/delete
 * blocks are not seen; the record says so and the report repeats it.
 */
#include "agent/next.h"
#include "agent/entry.h"
#include "agent/state.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);
extern size_t malloc_usable_size(void *);

_Static_assert(offsetof(ch_next_fns, malloc) == CH_NEXT_MALLOC &&
                   offsetof(ch_next_fns, free) == CH_NEXT_FREE &&
                   offsetof(ch_next_fns, calloc) == CH_NEXT_CALLOC &&
                   offsetof(ch_next_fns, realloc) == CH_NEXT_REALLOC &&
                   offsetof(ch_next_fns, memalign) == CH_NEXT_MEMALIGN,
               "entry.S jumps through ch_next at the offsets entry.h gives");
_Static_assert(CH_ENOMEM == ENOMEM, "entry.S's posix_memalign returns ENOMEM");

enum { UNRESOLVED, RESOLVING, RESOLVED };
static int state;
static int foreign; /* the program's malloc is not glibc's */

static const ch_next_fns glibc_fns = {__libc_malloc,  __libc_free,       __libc_calloc,
                                      __libc_realloc, __libc_memalign,   __libc_valloc,
                                      __libc_pvalloc, malloc_usable_size};

static ch_next_fns foreign_fns;

uint8_t ch_next_is_glibc;

static void *emu_valloc(size_t n)
{
    return foreign_fns.memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

static void *emu_pvalloc(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t rounded = n ? (n + page - 1) & ~(page - 1) : page;
    if (rounded < n)
        return NULL;
    return foreign_fns.memalign(page, rounded);
}

/* Basename of the object that defines fn, or NULL. */
static const char *object_of(void *fn)
{
    Dl_info info;
    if (!fn || !dladdr(fn, &info) || !info.dli_fname)
        return NULL;
    const char *slash = strrchr(info.dli_fname, '/');
    return slash ? slash + 1 : info.dli_fname;
}

/*
 * The next definition of name, or NULL if there is none or it is glibc's.
 * By the defining object, not by address: tcmalloc exports __libc_malloc
 * and friends too, so those may already be the program's allocator.
 */
static void *next_sym(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    const char *obj = object_of(f);
    return !obj || !strncmp(obj, "libc.so", 7) ? NULL : f;
}

static int resolve_foreign(void)
{
    ch_next_fns f = {0};
    f.malloc = (void *(*)(size_t))next_sym("malloc");
    if (!f.malloc)
        return 0;
    f.free = (void (*)(void *))next_sym("free");
    f.calloc = (void *(*)(size_t, size_t))next_sym("calloc");
    f.realloc = (void *(*)(void *, size_t))next_sym("realloc");
    f.memalign = (void *(*)(size_t, size_t))next_sym("memalign");
    if (!f.memalign)
        f.memalign = (void *(*)(size_t, size_t))next_sym("aligned_alloc");
    f.valloc = (void *(*)(size_t))next_sym("valloc");
    f.pvalloc = (void *(*)(size_t))next_sym("pvalloc");
    f.usable = (size_t(*)(void *))next_sym("malloc_usable_size");
    /* Without its own free, realloc and calloc it is not an allocator we can follow. */
    if (!f.free || !f.realloc || !f.calloc || !f.memalign)
        return 0;
    if (!f.valloc)
        f.valloc = emu_valloc;
    if (!f.pvalloc)
        f.pvalloc = emu_pvalloc;
    foreign_fns = f;
    return 1;
}

/* Returns 1 once ch_next holds the allocator, 0 while another call is finding it. */
static int resolve(void)
{
    int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
    if (s == RESOLVED)
        return 1;
    s = UNRESOLVED;
    if (!__atomic_compare_exchange_n(&state, &s, RESOLVING, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return s == RESOLVED;
    foreign = resolve_foreign();
    ch_next = foreign ? foreign_fns : glibc_fns;
    ch_next_is_glibc = !foreign;
    __atomic_store_n(&state, RESOLVED, __ATOMIC_RELEASE);
    return 1;
}

int ch_next_foreign(void)
{
    return foreign;
}

static void *stub_malloc(size_t n)
{
    return resolve() ? ch_next.malloc(n) : __libc_malloc(n);
}

static void stub_free(void *p)
{
    if (resolve())
        ch_next.free(p);
    else
        __libc_free(p);
}

static void *stub_calloc(size_t n, size_t m)
{
    return resolve() ? ch_next.calloc(n, m) : __libc_calloc(n, m);
}

static void *stub_realloc(void *p, size_t n)
{
    return resolve() ? ch_next.realloc(p, n) : __libc_realloc(p, n);
}

static void *stub_memalign(size_t a, size_t n)
{
    return resolve() ? ch_next.memalign(a, n) : __libc_memalign(a, n);
}

static void *stub_valloc(size_t n)
{
    return resolve() ? ch_next.valloc(n) : __libc_valloc(n);
}

static void *stub_pvalloc(size_t n)
{
    return resolve() ? ch_next.pvalloc(n) : __libc_pvalloc(n);
}

static size_t stub_usable(void *p)
{
    return resolve() ? (ch_next.usable ? ch_next.usable(p) : 0) : malloc_usable_size(p);
}

ch_next_fns ch_next = {stub_malloc,   stub_free,   stub_calloc,  stub_realloc,
                       stub_memalign, stub_valloc, stub_pvalloc, stub_usable};

void ch_next_describe(void)
{
    resolve();
    if (!foreign)
        return;
    ch_shm_header *h = ch_g.hdr;
    const char *lib = object_of((void *)foreign_fns.malloc);
    strncpy(h->allocator, lib ? lib : "?", sizeof h->allocator - 1);
    uint32_t flags = CH_AGENT_FOREIGN_MALLOC;
    /*
     * A C++ program (libstdc++ loaded) whose operator new is the allocator's
     * own: new/delete bypass malloc. Both lookups find something in such a
     * program, so dlsym leaves no error behind for the program to see.
     */
    void *cxx = dlsym(RTLD_DEFAULT, "__cxa_throw");
    void *op_new = cxx ? dlsym(RTLD_DEFAULT, "_Znwm") : NULL;
    if (!cxx)
        (void)dlerror(); /* a C program: no pending error left for the program to find */
    const char *new_lib = object_of(op_new);
    if (new_lib && lib && !strcmp(new_lib, lib))
        flags |= CH_AGENT_NEW_UNTRACKED;
    __atomic_fetch_or(&h->agent_flags, flags, __ATOMIC_RELEASE);
}
