/*
 * Which frames a report shows, and how a cgo allocation is recognised.
 */
#include "report/report_internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const ch_stack *chr_raw_stack(const ch_report_input *in, uint32_t stack_id)
{
    const ch_profile *p = in->prof;
    if (!p || !p->stacks || stack_id >= p->nstacks)
        return NULL;
    return &p->stacks[stack_id];
}

long chr_module_index(const ch_profile *p, const ch_frame *fr)
{
    /* A module unloaded and another loaded at its addresses share a range: the path tells. */
    for (size_t i = 0; i < p->nmodules; i++) {
        if (fr->pc >= p->modules[i].start && fr->pc < p->modules[i].end &&
            (!fr->module || (p->modules[i].path && !strcmp(p->modules[i].path, fr->module))))
            return (long)i;
    }
    /* The symbolizer may know the module even when the range is odd
     * (e.g. a PC just past the last mapped byte): trust its path. */
    for (size_t i = 0; fr->module && i < p->nmodules; i++) {
        if (p->modules[i].path && strcmp(p->modules[i].path, fr->module) == 0)
            return (long)i;
    }
    return -1;
}

/* Frames with module and offset only, from the recorded return addresses. */
static int synthesize_frames(const ch_profile *p, const ch_stack *st, chr_frames *out)
{
    ch_frame *v = calloc(st->depth, sizeof *v);
    if (!v) {
        errno = ENOMEM;
        return -1;
    }
    for (uint32_t i = 0; i < st->depth; i++) {
        v[i].pc = st->pcs[i];
        long m = chr_module_index(p, &v[i]);
        if (m >= 0) {
            v[i].module = p->modules[m].path;
            v[i].module_off = v[i].pc - p->modules[m].bias;
        }
    }
    out->v = out->owned = v;
    out->n = st->depth;
    return 0;
}

int chr_stack_frames(const ch_report_input *in, uint32_t stack_id, chr_frames *out)
{
    memset(out, 0, sizeof *out);
    const ch_stack *st = chr_raw_stack(in, stack_id);
    if (!st)
        return 0;
    if (in->stack_frames) {
        ch_symstack made;
        if (in->stack_frames(in->stack_frames_ctx, stack_id, &made) != 0) {
            errno = ENOMEM;
            return -1;
        }
        if (made.nframes > 0) {
            out->v = out->owned = made.frames;
            out->n = made.nframes;
            return 0;
        }
        free(made.frames);
    }
    if (st->depth == 0 || !st->pcs)
        return 0;
    return synthesize_frames(in->prof, st, out);
}

void chr_frames_release(chr_frames *f)
{
    free(f->owned);
    memset(f, 0, sizeof *f);
}

bool chr_show_glue(const chr_frames *f, bool show_glue)
{
    if (show_glue)
        return true;
    for (size_t i = 0; i < f->n; i++) {
        if (!f->v[i].glue)
            return false;
    }
    return true;
}

size_t chr_next_shown(const chr_frames *f, size_t from, bool show_all)
{
    while (from < f->n && !show_all && f->v[from].glue)
        from++;
    return from;
}

/*
 * cgo generates a Go wrapper per helper, named "_Cfunc_CString" etc. in the
 * calling package ("main._Cfunc_CString"). Matching ".NAME" or the bare NAME
 * avoids false hits on user functions that merely end in the same letters.
 * Every frame of every record is checked, so the name is measured once.
 */
static chr_cgo_kind cgo_kind_of(const char *fn)
{
    static const struct {
        const char *name;
        size_t len;
        chr_cgo_kind kind;
    } helpers[] = {
#define HELPER(name, kind) {name, sizeof name - 1, kind}
        HELPER("_Cfunc_CString", CHR_CGO_CSTRING),
        HELPER("_Cfunc_CBytes", CHR_CGO_CBYTES),
        HELPER("_Cfunc__CMalloc", CHR_CGO_MALLOC),
#undef HELPER
    };
    size_t lf = strlen(fn);
    for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++) {
        size_t ln = helpers[i].len;
        if (lf >= ln && memcmp(fn + lf - ln, helpers[i].name, ln) == 0 &&
            (lf == ln || fn[lf - ln - 1] == '.'))
            return helpers[i].kind;
    }
    return CHR_CGO_NONE;
}

chr_cgo_origin chr_find_cgo_origin(const chr_frames *f)
{
    chr_cgo_origin o = {CHR_CGO_NONE, NULL};
    size_t i = 0;
    for (; i < f->n && o.kind == CHR_CGO_NONE; i++) {
        if (f->v[i].function)
            o.kind = cgo_kind_of(f->v[i].function);
    }
    /* i is now one past the helper: its callers start there. */
    for (; o.kind != CHR_CGO_NONE && i < f->n; i++) {
        if (!f->v[i].glue && f->v[i].function) {
            o.caller = &f->v[i];
            break;
        }
    }
    return o;
}

const char *chr_cgo_name(chr_cgo_kind k)
{
    switch (k) {
    case CHR_CGO_CSTRING:
        return "C.CString";
    case CHR_CGO_CBYTES:
        return "C.CBytes";
    case CHR_CGO_MALLOC:
        return "C.malloc";
    case CHR_CGO_NONE:
        break;
    }
    return NULL;
}
