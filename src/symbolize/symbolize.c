/*
 * The symbolizer: PC -> module -> frames, memoized per PC. Every PC is a
 * return address, so the instruction looked up is the call at pc - 1, in
 * the module's file vaddr space (pc - bias).
 *
 * Where a module was unloaded, a pc's module depends on the stack: the one
 * whose life (in stack ids, common/profile.h: ch_module) holds the stack's id. Such a pc is
 * memoized under a key that names the module (ch_symbolizer_key); every
 * other pc is its own key, found among the modules loaded at the end.
 */
#include "symbolize/symbolize.h"
#include "common/intern.h"
#include "common/search.h"

#include "symbolize/sym_cache.h"
#include "symbolize/sym_demangle.h"
#include "symbolize/sym_glue.h"
#include "symbolize/sym_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct range {
    uint64_t start, end, bias;
    size_t index; /* into mods */
} range;

/* A key naming its module: bit 63, module index + 1 (0: none) above bit KEY_SHIFT, then pc. */
#define KEY_NAMED (1ull << 63)
#define KEY_SHIFT 47
#define KEY_PC(k) ((k) & ((1ull << KEY_SHIFT) - 1))

struct ch_symbolizer {
    sym_module *mods;
    range *ranges; /* of the modules loaded at the end, sorted by start: PC -> module */
    size_t nranges;
    range *gone; /* of the unloaded ones, in record order */
    size_t ngone;
    uint32_t *loaded_after, *unloaded_after; /* per module: its life in stack ids */
    size_t nmods;
    ch_interner strings; /* every string a frame names */
    sym_demangler *cxx_names;
    sym_cache cache;       /* full results */
    sym_cache names_cache; /* names-only results */
};

static int cmp_range(const void *a, const void *b)
{
    const range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

ch_symbolizer *ch_symbolizer_new(const ch_module *mods, size_t nmods)
{
    ch_symbolizer *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->cxx_names = sym_demangler_new(&s->strings);
    size_t cap = nmods ? nmods : 1;
    s->mods = calloc(cap, sizeof(*s->mods));
    s->ranges = calloc(cap, sizeof(*s->ranges));
    s->gone = calloc(cap, sizeof(*s->gone));
    s->loaded_after = calloc(cap, sizeof(*s->loaded_after));
    s->unloaded_after = calloc(cap, sizeof(*s->unloaded_after));
    if (s->cxx_names == NULL || s->mods == NULL || s->ranges == NULL || s->gone == NULL ||
        s->loaded_after == NULL || s->unloaded_after == NULL)
        goto fail;
    for (size_t i = 0; i < nmods; i++) {
        /* The caller's paths may not outlive us: keep our own copies. */
        const char *path = ch_intern(&s->strings, mods[i].path ? mods[i].path : "", NULL);
        if (path == NULL)
            goto fail;
        sym_module_init(&s->mods[i], path, &mods[i]);
        s->nmods = i + 1;
        range r = {mods[i].start, mods[i].end, mods[i].bias, i};
        if (mods[i].unloaded)
            s->gone[s->ngone++] = r;
        else
            s->ranges[s->nranges++] = r;
        s->loaded_after[i] = mods[i].loaded_after;
        s->unloaded_after[i] = mods[i].unloaded ? mods[i].unloaded_after : UINT32_MAX;
    }
    qsort(s->ranges, s->nranges, sizeof(*s->ranges), cmp_range);
    return s;
fail:
    ch_symbolizer_free(s);
    return NULL;
}

void ch_symbolizer_free(ch_symbolizer *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nmods; i++)
        sym_module_free(&s->mods[i]);
    free(s->mods);
    free(s->ranges);
    free(s->gone);
    free(s->loaded_after);
    free(s->unloaded_after);
    sym_cache_free(&s->cache);
    sym_cache_free(&s->names_cache);
    sym_demangler_free(s->cxx_names); /* before the strings it interns into */
    ch_interner_free(&s->strings);
    free(s);
}

static const range *find_range(const ch_symbolizer *s, uint64_t pc)
{
    size_t lo = CH_FIRST_ABOVE(s->ranges, s->nranges, start, pc);
    if (lo == 0 || pc >= s->ranges[lo - 1].end)
        return NULL;
    return &s->ranges[lo - 1];
}

static bool lived_at(const ch_symbolizer *s, size_t mod, uint32_t stack_id)
{
    return stack_id > s->loaded_after[mod] && stack_id <= s->unloaded_after[mod];
}

uint64_t ch_symbolizer_key(const ch_symbolizer *s, uint64_t pc, uint32_t stack_id)
{
    if (s->ngone == 0 || pc >> KEY_SHIFT)
        return pc;
    bool contested = false;
    for (size_t i = 0; i < s->ngone; i++) {
        const range *g = &s->gone[i];
        if (pc < g->start || pc >= g->end)
            continue;
        if (lived_at(s, g->index, stack_id))
            return KEY_NAMED | (uint64_t)(g->index + 1) << KEY_SHIFT | pc;
        contested = true;
    }
    if (!contested)
        return pc;
    /* A module left this address: the one there at the end counts only if it was there then. */
    const range *r = find_range(s, pc);
    size_t named = r && lived_at(s, r->index, stack_id) ? r->index + 1 : 0;
    return KEY_NAMED | (uint64_t)named << KEY_SHIFT | pc;
}

/* The module of a key; NULL if none. */
static const range *key_range(const ch_symbolizer *s, uint64_t key)
{
    if (!(key & KEY_NAMED))
        return find_range(s, key);
    size_t named = (size_t)((key & ~KEY_NAMED) >> KEY_SHIFT);
    if (named == 0 || named > s->nmods)
        return NULL;
    for (size_t i = 0; i < s->ngone; i++)
        if (s->gone[i].index == named - 1)
            return &s->gone[i];
    return find_range(s, KEY_PC(key));
}

/* Interns a string; NULL stays NULL, and so does a failed copy (the frame just loses it). */
static const char *keep(ch_symbolizer *s, const char *str)
{
    return str != NULL ? ch_intern(&s->strings, str, NULL) : NULL;
}

/* A location's function name, interned; C++ ABI names demangled (addr2line -C style). */
static const char *keep_function(ch_symbolizer *s, const sym_loc *loc)
{
    if (loc->function == NULL)
        return NULL;
    if (loc->may_be_mangled)
        return sym_demangle(s->cxx_names, loc->function);
    return ch_intern(&s->strings, loc->function, NULL);
}

/* Fills frames for a key (at least one), returns how many. */
static size_t resolve_pc(ch_symbolizer *s, uint64_t key, ch_frame *frames, bool names_only)
{
    uint64_t pc = key & KEY_NAMED ? KEY_PC(key) : key;
    memset(frames, 0, sizeof(*frames));
    frames[0].pc = pc;
    frames[0].module_off = pc;
    if (pc == CH_FRAME_THREAD_CREATED) {
        frames[0].function = CH_THREAD_CREATED_NAME; /* the stack goes on with the creator's */
        return 1;
    }
    const range *r = key_range(s, key);
    if (r == NULL)
        return 1;
    sym_module *m = &s->mods[r->index];
    sym_loc locs[SYM_MAX_INLINE];
    uint64_t vaddr = (pc ? pc - 1 : 0) - r->bias;
    int n = sym_module_lookup(m, vaddr, locs, SYM_MAX_INLINE, names_only);
    size_t count = n > 0 ? (size_t)n : 1;
    for (size_t i = 0; i < count; i++) {
        ch_frame *f = &frames[i];
        memset(f, 0, sizeof(*f));
        f->pc = pc;
        f->module = m->path[0] ? m->path : NULL;
        f->module_off = pc - r->bias;
        if (n > 0) {
            f->function = keep_function(s, &locs[i]);
            f->file = keep(s, locs[i].file);
            f->line = locs[i].line;
        }
        f->inlined = i + 1 < count;
        f->glue = sym_is_glue(f->function, f->module);
    }
    return count;
}

/* Full results are memoized; names-only ones go to their own cache, so a
 * later full lookup of the same PC is never answered with less. */
static const ch_frame *frames_for(ch_symbolizer *s, uint64_t pc, size_t *n, bool names_only)
{
    sym_cache *cache = names_only ? &s->names_cache : &s->cache;
    const ch_frame *cached = sym_cache_get(cache, pc, n);
    if (cached != NULL)
        return cached;
    ch_frame fresh[SYM_MAX_INLINE];
    *n = resolve_pc(s, pc, fresh, names_only);
    if (sym_cache_put(cache, pc, fresh, *n) != 0)
        return NULL;
    return sym_cache_get(cache, pc, n);
}

/* "C.NAME" for a cgo stub or wrapper name holding "_Cfunc_NAME", else NULL. */
static const char *cgo_call_name(ch_symbolizer *s, const char *fn, const char *marker)
{
    const char *at = fn ? strstr(fn, marker) : NULL;
    /* cgo's own helpers (_CMalloc for C.CString, C.CBytes, C.malloc) stay glue. */
    if (!at || !at[strlen(marker)] || !strncmp(at + strlen(marker), "_C", 2))
        return NULL;
    char name[256];
    snprintf(name, sizeof name, "C.%s", at + strlen(marker));
    return ch_intern(&s->strings, name, NULL);
}

/*
 * `go test` links its test binaries stripped (-s -w). The C frame a cgo
 * call runs is the wrapper _cgo_<hash>_Cfunc_NAME (small preamble functions
 * inline into it). Go 1.19's linker still exports the wrapper in .dynsym,
 * but as cgo glue it is hidden, and no line says which C function was
 * called; Go 1.20 and later export nothing, and the frame has no name at
 * all. Its Go caller, the stub pkg._Cfunc_NAME, keeps its name in
 * .gopclntab. So a wrapper frame without debug information, or an unnamed
 * frame right under runtime.asmcgocall whose Go frames lead (through
 * runtime.cgocall) to such a stub, is shown as "C.NAME". Deeper unnamed C
 * frames stay module+offset: nothing names them.
 */
static void name_cgo_calls(ch_symbolizer *s, ch_frame *f, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++) {
        const char *name = NULL;
        if (f[i].function && !f[i].file && !strncmp(f[i].function, "_cgo_", 5))
            name = cgo_call_name(s, f[i].function, "_Cfunc_");
        else if (!f[i].function && f[i].module && f[i + 1].function &&
                 !strcmp(f[i + 1].function, "runtime.asmcgocall"))
            for (size_t j = i + 2; j < n && j < i + 4 && !name; j++) {
                name = cgo_call_name(s, f[j].function, "._Cfunc_");
                if (!f[j].function || strncmp(f[j].function, "runtime.", 8))
                    break;
            }
        if (name) {
            f[i].function = name;
            f[i].glue = false;
        }
    }
}

static int symbolize(ch_symbolizer *s, const ch_stack *st, uint32_t stack_id, ch_symstack *out,
                     bool names_only)
{
    size_t cap = st->depth + 8, nframes = 0;
    ch_frame *frames = malloc(cap * sizeof(*frames));
    out->frames = NULL;
    out->nframes = 0;
    if (frames == NULL)
        return -1;
    for (uint32_t i = 0; i < st->depth; i++) {
        size_t n;
        const ch_frame *f =
            frames_for(s, ch_symbolizer_key(s, st->pcs[i], stack_id), &n, names_only);
        if (f == NULL)
            goto fail;
        if (cap - nframes < n) {
            cap = (cap + n) * 2;
            ch_frame *grown = realloc(frames, cap * sizeof(*frames));
            if (grown == NULL)
                goto fail;
            frames = grown;
        }
        memcpy(&frames[nframes], f, n * sizeof(*f));
        nframes += n;
    }
    name_cgo_calls(s, frames, nframes);
    out->frames = frames;
    out->nframes = nframes;
    return 0;
fail:
    free(frames);
    return -1;
}

int ch_symbolize_stack(ch_symbolizer *s, const ch_stack *st, uint32_t stack_id, ch_symstack *out)
{
    return symbolize(s, st, stack_id, out, false);
}

int ch_symbolize_stack_names(ch_symbolizer *s, const ch_stack *st, uint32_t stack_id,
                             ch_symstack *out)
{
    return symbolize(s, st, stack_id, out, true);
}

const ch_frame *ch_symbolize_pc(ch_symbolizer *s, uint64_t key, bool names_only, size_t *n)
{
    return frames_for(s, key, n, names_only);
}

const char *ch_symbolizer_build_id(ch_symbolizer *s, size_t module_index)
{
    if (s == NULL || module_index >= s->nmods)
        return "";
    return sym_module_build_id(&s->mods[module_index]);
}

size_t ch_symbolizer_tables(const ch_symbolizer *s)
{
    size_t n = 0;
    for (size_t i = 0; s != NULL && i < s->nmods; i++)
        n += s->mods[i].symtab_made;
    return n;
}
