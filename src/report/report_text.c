/*
 * The valgrind-style text report. Every line starts with "==PID==" so the
 * report can be told apart from the program's own output on stderr; lines of
 * --gen-suppressions entries do not, so they can be pasted into a file as is.
 */
#include "cgoheap/shm.h"
#include "report/report_internal.h"
#include <inttypes.h>
#include <stdio.h>

typedef struct text_ctx {
    FILE *out;
    const ch_report_input *in;
    const ch_report_opts *o;
} text_ctx;

/* Names come from the target's files: a control byte must not break a line. */
static void put_clean(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

static void prefix(const text_ctx *c)
{
    fprintf(c->out, "==%d==", chr_pid(c->in));
}

static void blank(const text_ctx *c)
{
    prefix(c);
    fputc('\n', c->out);
}

/* "FUNC (FILE:LINE)", "FUNC (in MODULE)" or "MODULE+0xOFF". */
static void put_frame_desc(FILE *out, const ch_frame *fr)
{
    if (!fr->function) {
        if (fr->module) {
            put_clean(out, fr->module);
            fprintf(out, "+0x%" PRIx64, fr->module_off);
        } else {
            fputs("(unknown module)", out);
        }
        return;
    }
    put_clean(out, fr->function);
    if (fr->file && fr->line > 0) {
        fputs(" (", out);
        put_clean(out, chr_basename(fr->file));
        fprintf(out, ":%d)", fr->line);
    } else if (fr->module) {
        fputs(" (in ", out);
        put_clean(out, fr->module);
        fputc(')', out);
    } else if (fr->file) {
        fputs(" (", out);
        put_clean(out, chr_basename(fr->file));
        fputc(')', out);
    }
}

static void print_frames(const text_ctx *c, const chr_frames *f, bool show_all)
{
    const char *verb = "at";
    for (size_t i = chr_next_shown(f, 0, show_all); i < f->n;
         i = chr_next_shown(f, i + 1, show_all)) {
        prefix(c);
        fprintf(c->out, "    %s 0x%" PRIX64 ": ", verb, f->v[i].pc);
        put_frame_desc(c->out, &f->v[i]);
        /* "[inlined]" says: inlined into the next line. When the function it
         * was inlined into is hidden (cgo's C wrapper), that would point at
         * the wrong caller, so the mark goes with the hidden frame. */
        bool into_shown = i + 1 < f->n && chr_next_shown(f, i + 1, show_all) == i + 1;
        fputs(f->v[i].inlined && into_shown ? " [inlined]\n" : "\n", c->out);
        verb = "by";
    }
    if (f->n == 0) {
        prefix(c);
        fputs("    at (no stack recorded)\n", c->out);
    }
}

static void print_cgo_origin(const text_ctx *c, const chr_cgo_origin *o)
{
    prefix(c);
    fprintf(c->out, "    allocated by %s", chr_cgo_name(o->kind));
    if (o->caller) {
        fputs(" in ", c->out);
        put_frame_desc(c->out, o->caller);
    }
    fputc('\n', c->out);
}

static void print_cgo_hint(const text_ctx *c, chr_cgo_kind k)
{
    prefix(c);
    if (k == CHR_CGO_MALLOC)
        fputs("    hint: memory from C.malloc is not managed by Go's GC; free it with C.free\n",
              c->out);
    else
        fprintf(c->out,
                "    hint: memory from %s is not managed by Go's GC; free it with "
                "C.free(unsafe.Pointer(p))\n",
                chr_cgo_name(k));
}

/* The first shown frame with a function, else with a module; NULL if none. */
static const ch_frame *suppression_frame(const chr_frames *f, bool show_all)
{
    const ch_frame *with_module = NULL;
    for (size_t i = chr_next_shown(f, 0, show_all); i < f->n;
         i = chr_next_shown(f, i + 1, show_all)) {
        if (f->v[i].function)
            return &f->v[i];
        if (!with_module && f->v[i].module)
            with_module = &f->v[i];
    }
    return with_module;
}

/* A LeakSanitizer-format entry, "leak:FUNC" (LSan also matches module names). */
static void print_suppression(const text_ctx *c, const chr_frames *f, bool show_all,
                              const ch_record *r, size_t num, size_t of)
{
    fprintf(c->out, "# loss record %zu of %zu: %s\n", num, of, chr_kind_phrase(r->kind));
    const ch_frame *fr = suppression_frame(f, show_all);
    if (!fr) {
        fputs("# no function or module to suppress on\n", c->out);
        return;
    }
    fputs("leak:", c->out);
    put_clean(c->out, fr->function ? fr->function : chr_basename(fr->module));
    fputc('\n', c->out);
}

static int print_record(const text_ctx *c, const ch_record *r, size_t num, size_t of)
{
    chr_frames f;
    if (chr_stack_frames(c->in, r->stack_id, &f) != 0)
        return -1;
    bool show_all = chr_show_internal(&f, c->o->show_internal);
    chr_cgo_origin origin = chr_find_cgo_origin(&f);
    chr_amount a = chr_record_amount(c->in, r);
    char nb[CHR_NUM_LEN], nc[CHR_NUM_LEN];

    prefix(c);
    fprintf(c->out, " %s bytes in %s blocks are %s in loss record %zu of %zu\n",
            chr_commas(a.bytes, nb), chr_commas(a.count, nc), chr_kind_phrase(r->kind), num, of);
    if (origin.kind != CHR_CGO_NONE)
        print_cgo_origin(c, &origin);
    print_frames(c, &f, show_all);
    const ch_stack *st = chr_raw_stack(c->in, r->stack_id);
    if (st && (st->flags & CH_STACK_F_TRUNCATED)) {
        prefix(c);
        fprintf(c->out, "    (stack truncated at %u frames)\n", CH_MAX_FRAMES);
    }
    if (origin.kind != CHR_CGO_NONE)
        print_cgo_hint(c, origin.kind);
    blank(c);
    if (c->o->gen_suppressions)
        print_suppression(c, &f, show_all, r, num, of);
    chr_frames_release(&f);
    return 0;
}

/*
 * Without a scan every block is UNFREED; it is shown whenever any kind of
 * lost memory is asked for, since it may be any of them.
 */
static bool kind_shown(const ch_report_opts *o, ch_kind k)
{
    unsigned lost = (1u << CH_KIND_DEFINITE) | (1u << CH_KIND_INDIRECT) | (1u << CH_KIND_POSSIBLE);
    if (k == CH_KIND_UNFREED && (o->show_kinds & lost))
        return true;
    return (unsigned)k < CH_KIND_COUNT && (o->show_kinds & (1u << k));
}

/* Prints the shown records; returns how many listed ones were not shown, or -1. */
static long print_records(const text_ctx *c, size_t of)
{
    size_t num = 0;
    long hidden = 0;
    for (size_t i = 0; i < c->in->nrecords; i++) {
        const ch_record *r = &c->in->records[i];
        if (r->suppressed)
            continue;
        /* Numbering counts unshown records too, as valgrind does. */
        num++;
        if (!kind_shown(c->o, r->kind)) {
            hidden++;
            continue;
        }
        if (print_record(c, r, num, of) != 0)
            return -1;
    }
    return hidden;
}

static void print_amount_line(const text_ctx *c, const char *label, chr_amount a)
{
    char nb[CHR_NUM_LEN], nc[CHR_NUM_LEN];
    prefix(c);
    fprintf(c->out, " %18s: %s bytes in %s blocks\n", label, chr_commas(a.bytes, nb),
            chr_commas(a.count, nc));
}

static void print_heap_summary(const text_ctx *c, const chr_summary *s)
{
    char n1[CHR_NUM_LEN], n2[CHR_NUM_LEN], n3[CHR_NUM_LEN];
    prefix(c);
    fputs(" HEAP SUMMARY:\n", c->out);
    print_amount_line(c, "in use at exit", s->in_use);
    prefix(c);
    fprintf(c->out, " %18s: %s allocs, %s frees, %s bytes allocated\n", "total heap usage",
            chr_commas(s->allocs, n1), chr_commas(s->frees, n2), chr_commas(s->bytes_alloc, n3));
    prefix(c);
    fprintf(c->out, " cgoheap: agent memory: %s bytes\n", chr_commas(c->in->prof->agent_bytes, n1));
    blank(c);
}

static void print_leak_summary(const text_ctx *c, const chr_summary *s, long hidden)
{
    prefix(c);
    fputs(" LEAK SUMMARY:\n", c->out);
    if (c->in->prof->scanned) {
        for (int k = CH_KIND_DEFINITE; k <= CH_KIND_REACHABLE; k++)
            print_amount_line(c, chr_kind_phrase((ch_kind)k), s->by_kind[k]);
    }
    if (!c->in->prof->scanned || s->by_kind[CH_KIND_UNFREED].count > 0)
        print_amount_line(c, chr_kind_phrase(CH_KIND_UNFREED), s->by_kind[CH_KIND_UNFREED]);
    print_amount_line(c, "suppressed", s->suppressed);
    if (hidden > 0) {
        prefix(c);
        fprintf(c->out,
                " %ld loss records of kinds not shown; to see them, rerun with: "
                "--show-leak-kinds=all\n",
                hidden);
    }
}

static void print_note(void *ctx, const char *note)
{
    const text_ctx *c = ctx;
    prefix(c);
    fputs(" note: ", c->out);
    put_clean(c->out, note);
    fputc('\n', c->out);
}

int ch_report_text(FILE *out, const ch_report_input *in, const ch_report_opts *o)
{
    text_ctx c = {out, in, o};
    chr_summary s;
    chr_summarize(in, &s);

    prefix(&c);
    fputs(" cgoheap: C heap check of ", out);
    put_clean(out, in->program ? in->program : "(unknown program)");
    fputc('\n', out);
    blank(&c);
    /* valgrind's order: heap summary, loss records, leak summary. */
    print_heap_summary(&c, &s);
    /* With no agent nothing was recorded: "no leaks" would be a false claim. */
    if (s.in_use.count == 0 && in->prof->agent_attached) {
        prefix(&c);
        fputs(" All heap blocks were freed -- no leaks are possible\n", out);
    } else {
        long hidden = print_records(&c, s.n_listed);
        if (hidden < 0)
            return -1;
        print_leak_summary(&c, &s, hidden);
    }
    chr_notes(in, print_note, &c);
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
