/*
 * Naming the roots behind blocks for --show-roots (see roots_why.h).
 *
 * The scan remembers, per block and per Go object, the address of the word
 * that first reached it (analyze.h, ch_scan_ex). Here that address is
 * followed back: inside another block or a Go object, to what reached that
 * one, until a root region or a register. Only a run that asks pays: the
 * scan's cost without the option is one test of a NULL pointer per block
 * marked.
 */
#include "collect/roots_why.h"
#include "collect/gostack.h"
#include "collect/gotype_name.h"
#include "common/grow.h"
#include "common/intern.h"
#include "common/search.h"
#include "symbolize/sym_elf.h"
#include "symbolize/sym_symtab.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HOPS 64 /* a chain longer than this is summarized */
/* glibc's static TLS lies just below the thread pointer (a few KiB in
 * practice: more would swallow the top of a thread's stack, just below),
 * its thread descriptor just above. */
#define TLS_REACH (8u << 10)
#define TCB_SIZE 4096u /* struct pthread, pthread_setspecific's first 32 values among it */
#define THREAD_STACK_MAX (1ull << 30)

static const char *const reg_names[] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi",
                                        "rbp", "rsp", "r8",  "r9",  "r10", "r11",
                                        "r12", "r13", "r14", "r15", "rip"};

typedef struct data_syms {
    bool loaded;
    sym_elf elf;
    sym_symtab tab;
} data_syms;

typedef struct namer {
    ch_profile *p;
    const ch_why_input *in;
    data_syms *mods;     /* per p->modules, loaded on first use */
    ch_gostack go_table; /* the executable's Go table, opened on first use */
    int go_table_state;  /* 0 not tried, 1 open, -1 cannot be read */
    char **names;
    size_t n, cap;
    ch_interner seen; /* the names so far, by the same ids */
    bool full;        /* out of memory for names: no more of them */
} namer;

static long block_at(const ch_profile *p, uint64_t a)
{
    size_t i = CH_FIRST_ABOVE(p->blocks, p->nblocks, addr, a);
    if (!i)
        return -1;
    const ch_block *b = &p->blocks[i - 1];
    return a < b->addr + (b->size ? b->size : 1) ? (long)(i - 1) : -1;
}

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* A global: "global main.kept+8 in prog", or the module and offset. */
static bool name_global(namer *nm, uint64_t a, char *out, size_t len)
{
    const ch_profile *p = nm->p;
    for (size_t m = 0; m < p->nmodules; m++) {
        const ch_module *mod = &p->modules[m];
        if (a < mod->start || a >= mod->end || !mod->path)
            continue;
        data_syms *d = &nm->mods[m];
        if (!d->loaded) {
            d->loaded = true;
            if (sym_elf_open(&d->elf, mod->path) == 0)
                sym_symtab_load_data(&d->tab, &d->elf);
        }
        const sym_symbol *s = sym_symtab_find(&d->tab, a - mod->bias);
        if (s)
            snprintf(out, len, "global %s+%llu in %s", s->name,
                     (unsigned long long)(a - mod->bias - s->addr), base(mod->path));
        else
            snprintf(out, len, "data of %s+0x%llx", base(mod->path),
                     (unsigned long long)(a - mod->bias));
        return true;
    }
    return false;
}

/* " in main.worker (main.go:23)": the frame of goroutine g whose words hold a, or "". */
static void name_go_frame(namer *nm, const ch_goroutine *g, uint64_t a, char *out, size_t len)
{
    const ch_why_input *in = nm->in;
    uint64_t bias = in->goroutines->bias, pc;
    sym_loc locs[SYM_MAX_INLINE];
    out[0] = 0;
    if (!nm->go_table_state)
        nm->go_table_state =
            ch_gostack_open(&nm->go_table, in->goroutines->file, bias) == 0 ? 1 : -1;
    if (nm->go_table_state < 0 || !g->pc || !in->read ||
        !(pc = ch_gostack_frame_of(&nm->go_table, in->read, in->read_ctx, g->pc, g->sp, g->hi, a)))
        return;
    /* A return address: its call is the instruction before. */
    if (sym_gotab_lookup(&nm->go_table.tab, pc - bias - (pc != g->pc), locs, SYM_MAX_INLINE) < 1 ||
        !locs[0].function)
        return;
    if (locs[0].file && locs[0].line)
        snprintf(out, len, " in %s (%s:%d)", locs[0].function, base(locs[0].file), locs[0].line);
    else
        snprintf(out, len, " in %s", locs[0].function);
}

/* "stack of goroutine 7 in main.worker (main.go:23)", if a lies in a listed goroutine's stack. */
static bool name_goroutine(namer *nm, uint64_t a, char *out, size_t len)
{
    const ch_goroutine_list *l = nm->in->goroutines;
    for (size_t i = 0; l && i < l->n; i++) {
        const ch_goroutine *g = &l->v[i];
        if (a < g->lo || a >= g->hi)
            continue;
        char frame[160]; /* out is at least 256: the number and this fit */
        name_go_frame(nm, g, a, frame, sizeof frame);
        if (g->goid)
            snprintf(out, len, "stack of goroutine %llu%s", (unsigned long long)g->goid, frame);
        else
            snprintf(out, len, "a goroutine stack%s", frame);
        return true;
    }
    return false;
}

static void name_root(namer *nm, uint64_t a, char *out, size_t len)
{
    const ch_why_input *in = nm->in;
    if (a & CH_WHY_REG) {
        uint64_t r = a & ~CH_WHY_REG, t = r / in->regs_per_thread;
        if (t < in->threads->n && r % in->regs_per_thread < sizeof reg_names / sizeof *reg_names)
            snprintf(out, len, "register %s of thread %d", reg_names[r % in->regs_per_thread],
                     (int)in->threads->v[t].tid);
        else
            snprintf(out, len, "a register");
        return;
    }
    if (name_global(nm, a, out, len))
        return;
    for (size_t t = 0; t < in->threads->n; t++) {
        uint64_t fs = in->threads->v[t].regs.fs_base;
        if (a < fs + TCB_SIZE && a + TLS_REACH >= fs) {
            snprintf(out, len, "TLS of thread %d", (int)in->threads->v[t].tid);
            return;
        }
    }
    if (name_goroutine(nm, a, out, len))
        return;
    size_t r = CH_FIRST_ABOVE(in->roots, in->nroots, start, a);
    const ch_region *reg = r && a < in->roots[r - 1].end ? &in->roots[r - 1] : NULL;
    /* A glibc thread's stack ends at its descriptor, where fs points; the
     * main thread's is [stack]. */
    for (size_t t = 0; reg && t < in->threads->n; t++) {
        uint64_t sp = in->threads->v[t].regs.rsp, fs = in->threads->v[t].regs.fs_base;
        bool main_stack = !strcmp(reg->name, "[stack]") && in->threads->v[t].tid == nm->p->pid;
        if (sp <= a && (main_stack || (a < fs && fs - sp <= THREAD_STACK_MAX))) {
            snprintf(out, len, "stack of thread %d at sp+0x%llx", (int)in->threads->v[t].tid,
                     (unsigned long long)(a - sp));
            return;
        }
    }
    if (reg && in->go && !strcmp(reg->name, "[anon]") && a >= in->go->lo && a < in->go->hi)
        snprintf(out, len, "a goroutine stack at 0x%llx", (unsigned long long)a);
    else
        snprintf(out, len, "%s memory at 0x%llx", reg ? reg->name : "root", (unsigned long long)a);
}

/* "a Go object of 640 bytes at 0xc000012340 (main.holder, with a finalizer)",
 * "(type unknown)" where the runtime keeps no type for it (gotype_name.h). */
static void name_go_object(const namer *nm, uint64_t i, char *out, size_t len)
{
    const ch_go_heap *go = nm->in->go;
    char type[96] = "type unknown";
    uint64_t size, at = ch_go_heap_object(go, i, &size);
    if (nm->in->read)
        ch_go_type_name(go, i, nm->in->read, nm->in->read_ctx, type, sizeof type);
    /* Go's tiny allocator packs noscan objects under 16 bytes into one such
     * block, alive while any of them is: a dead one's C pointer stays held. */
    bool tiny = size == 16 && !ch_go_heap_has_pointers(go, i);
    snprintf(out, len, "a Go object of %llu bytes at 0x%llx (%s%s%s)", (unsigned long long)size,
             (unsigned long long)at, type, ch_go_bit(go->fin, i) ? ", with a finalizer" : "",
             tiny ? "; no pointers: maybe a tiny block of several objects, held while one lives"
                  : "");
}

/* The line for block i: the root, then the first holder and the count between. */
static void name_block(namer *nm, size_t i, char *out, size_t len)
{
    const ch_why_input *in = nm->in;
    char holder[192] = "", root[256] = "";
    uint64_t a = in->why[i], gbase;
    unsigned blocks = 0, objects = 0, hops;
    for (hops = 0; a && hops < MAX_HOPS; hops++) {
        long b = (a & CH_WHY_REG) ? -1 : block_at(nm->p, a);
        long long o =
            b < 0 && in->go && !(a & CH_WHY_REG) ? ch_go_heap_find(in->go, a, &gbase) : -1;
        if (b >= 0) {
            if (!blocks++ && !objects)
                snprintf(holder, sizeof holder, "a C block of %llu bytes at 0x%llx",
                         (unsigned long long)nm->p->blocks[b].size,
                         (unsigned long long)nm->p->blocks[b].addr);
            a = in->why[b];
        } else if (o >= 0) {
            if (!objects++ && !blocks)
                name_go_object(nm, (uint64_t)o, holder, sizeof holder);
            a = in->go->why ? in->go->why[o] : 0;
            if (!a)
                snprintf(root, sizeof root, "nothing live: Go garbage");
        } else {
            name_root(nm, a, root, sizeof root);
            break;
        }
    }
    if (!root[0])
        snprintf(root, sizeof root, hops >= MAX_HOPS ? "a long chain" : "nothing recorded");
    if (!holder[0])
        snprintf(out, len, "%s", root);
    else if (blocks + objects == 1)
        snprintf(out, len, "%s, through %s", root, holder);
    else
        snprintf(out, len, "%s, through %s and %u more C blocks and Go objects", root, holder,
                 blocks + objects - 1);
}

/* The index of an equal name, or a new one (0, "", when out of memory). Searched in a hash:
 * a block held by another has a name of its own, and a linear search over the names seen took
 * minutes for the 200,000-block tree of bench/workloads (--show-roots, 20 s at 50,000). */
static uint32_t intern(namer *nm, const char *s)
{
    uint32_t id;
    size_t before = ch_interner_count(&nm->seen);
    if (nm->full || !ch_intern(&nm->seen, s, &id))
        return 0;
    if (id < before)
        return id;
    if (nm->n == nm->cap) {
        char **v = ch_grow(nm->names, &nm->cap, sizeof *v, 16);
        if (!v)
            return nm->full = true, 0;
        nm->names = v;
    }
    if (!(nm->names[nm->n] = strdup(s)))
        return nm->full = true, 0;
    return (uint32_t)nm->n++;
}

int ch_why_name(ch_profile *p, const ch_why_input *in)
{
    namer nm = {.p = p, .in = in};
    nm.mods = calloc(p->nmodules + 1, sizeof *nm.mods);
    p->block_root = calloc(p->nblocks + 1, sizeof *p->block_root);
    if (!nm.mods || !p->block_root || intern(&nm, "") != 0) {
        free(nm.mods);
        free(p->block_root);
        p->block_root = NULL;
        return -1;
    }
    char line[512];
    for (size_t i = 0; i < p->nblocks; i++) {
        if (!in->why[i])
            continue;
        name_block(&nm, i, line, sizeof line);
        p->block_root[i] = intern(&nm, line);
    }
    for (size_t m = 0; m < p->nmodules; m++)
        if (nm.mods[m].loaded) {
            sym_symtab_free(&nm.mods[m].tab);
            sym_elf_close(&nm.mods[m].elf);
        }
    free(nm.mods);
    ch_interner_free(&nm.seen);
    if (nm.go_table_state > 0)
        ch_gostack_close(&nm.go_table);
    p->root_names = nm.names;
    p->nroot_names = nm.n;
    return 0;
}
