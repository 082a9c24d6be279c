/*
 * The valgrind-style text report. Every line starts with "==PID==" so the
 * report can be told apart from the program's own output on stderr; lines of
 * --gen-suppressions entries do not, so they can be pasted into a file as is.
 */
#include "report/report_fmemo.h"
#include "report/report_internal.h"
#include <stdio.h>

typedef struct text_ctx {
    chr_out out;
    const ch_report_input *in;
    const ch_report_opts *o;
    char prefix[32]; /* "==PID==" */
    size_t prefix_len;
    chr_fmemo frames; /* "0xPC: FUNC (FILE:LINE)" per distinct frame */
} text_ctx;

static void prefix(text_ctx *c)
{
    chr_out_mem(&c->out, c->prefix, c->prefix_len);
}

static void blank(text_ctx *c)
{
    prefix(c);
    chr_out_char(&c->out, '\n');
}

/* "FUNC (FILE:LINE)", "FUNC (in MODULE)" or "MODULE+0xOFF". */
static void put_frame_desc(chr_out *out, const ch_frame *fr)
{
    if (!fr->function) {
        if (fr->module) {
            chr_out_clean(out, fr->module);
            chr_out_str(out, "+0x");
            chr_out_hex(out, fr->module_off, false);
        } else {
            chr_out_str(out, "(unknown module)");
        }
        return;
    }
    chr_out_clean(out, fr->function);
    if (fr->file && fr->line > 0) {
        chr_out_str(out, " (");
        chr_out_clean(out, chr_basename(fr->file));
        chr_out_char(out, ':');
        chr_out_i64(out, fr->line);
        chr_out_char(out, ')');
    } else if (fr->module) {
        chr_out_str(out, " (in ");
        chr_out_clean(out, fr->module);
        chr_out_char(out, ')');
    } else if (fr->file) {
        chr_out_str(out, " (");
        chr_out_clean(out, chr_basename(fr->file));
        chr_out_char(out, ')');
    }
}

/* What follows "at " or "by " on a frame line, the same for every line of that frame. */
static void put_frame_line(chr_out *out, const ch_frame *fr)
{
    chr_out_str(out, "0x");
    chr_out_hex(out, fr->pc, true);
    chr_out_str(out, ": ");
    put_frame_desc(out, fr);
}

static void print_frames(text_ctx *c, const chr_frames *f, bool show_all)
{
    const char *verb = "    at ";
    for (size_t i = chr_next_shown(f, 0, show_all); i < f->n;
         i = chr_next_shown(f, i + 1, show_all)) {
        prefix(c);
        if (f->v[i].pc == CH_FRAME_THREAD_CREATED) { /* like ASan's "Thread T1 created by" */
            chr_out_str(&c->out, "  Thread created at\n");
            verb = "    at ";
            continue;
        }
        chr_out_mem(&c->out, verb, 7);
        chr_fmemo_put(&c->frames, &c->out, &f->v[i]);
        /* "[inlined]" says: inlined into the next line. When the function it
         * was inlined into is hidden (cgo's C wrapper), that would point at
         * the wrong caller, so the mark goes with the hidden frame. */
        bool into_shown = i + 1 < f->n && chr_next_shown(f, i + 1, show_all) == i + 1;
        if (f->v[i].inlined && into_shown)
            chr_out_str(&c->out, " [inlined]\n");
        else
            chr_out_char(&c->out, '\n');
        verb = "    by ";
    }
    if (f->n == 0) {
        prefix(c);
        chr_out_str(&c->out, "    at (no stack recorded)\n");
    }
}

static void print_cgo_origin(text_ctx *c, const chr_cgo_origin *o)
{
    prefix(c);
    chr_out_str(&c->out, "    allocated by ");
    chr_out_str(&c->out, chr_cgo_name(o->kind));
    if (o->caller) {
        chr_out_str(&c->out, " in ");
        put_frame_desc(&c->out, o->caller);
    }
    chr_out_char(&c->out, '\n');
}

static void print_cgo_hint(text_ctx *c, chr_cgo_kind k)
{
    prefix(c);
    if (k == CHR_CGO_MALLOC)
        chr_out_str(
            &c->out,
            "    hint: memory from C.malloc is not managed by Go's GC; free it with C.free\n");
    else
        chr_out_printf(&c->out,
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

static void put_record_number(text_ctx *c, size_t num, size_t of)
{
    chr_out_str(&c->out, "loss record ");
    chr_out_u64(&c->out, num);
    chr_out_str(&c->out, " of ");
    chr_out_u64(&c->out, of);
}

/* A LeakSanitizer-format entry, "leak:FUNC" (LSan also matches module names). */
static void print_suppression(text_ctx *c, const chr_frames *f, bool show_all,
                              const ch_loss_record *r, size_t num, size_t of)
{
    chr_out_str(&c->out, "# ");
    put_record_number(c, num, of);
    chr_out_str(&c->out, ": ");
    chr_out_str(&c->out, chr_kind_phrase(r->kind));
    chr_out_char(&c->out, '\n');
    const ch_frame *fr = suppression_frame(f, show_all);
    if (!fr) {
        chr_out_str(&c->out, "# no function or module to suppress on\n");
        return;
    }
    chr_out_str(&c->out, "leak:");
    chr_out_clean(&c->out, fr->function ? fr->function : chr_basename(fr->module));
    chr_out_char(&c->out, '\n');
}

/* " 32 bytes in 1 blocks": the figures of a record or a summary line. */
static void put_amount(text_ctx *c, chr_amount a)
{
    char num[CHR_NUM_LEN];
    chr_out_char(&c->out, ' ');
    chr_out_str(&c->out, chr_commas(a.bytes, num));
    chr_out_str(&c->out, " bytes in ");
    chr_out_str(&c->out, chr_commas(a.count, num));
    chr_out_str(&c->out, " blocks");
}

/* valgrind's " 168 (24 direct, 144 indirect) bytes in 1 blocks" when the
 * record's blocks own indirectly lost ones (full tracking only: a sampled
 * run's indirect bytes are not the estimate of anything). */
static void put_record_amount(text_ctx *c, const ch_loss_record *r)
{
    chr_amount a = chr_loss_record_amount(c->in, r);
    if (!r->indirect_bytes || c->in->prof->sample_rate > 1) {
        put_amount(c, a);
        return;
    }
    char num[CHR_NUM_LEN];
    chr_out_char(&c->out, ' ');
    chr_out_str(&c->out, chr_commas(a.bytes + r->indirect_bytes, num));
    chr_out_str(&c->out, " (");
    chr_out_str(&c->out, chr_commas(a.bytes, num));
    chr_out_str(&c->out, " direct, ");
    chr_out_str(&c->out, chr_commas(r->indirect_bytes, num));
    chr_out_str(&c->out, " indirect) bytes in ");
    chr_out_str(&c->out, chr_commas(a.count, num));
    chr_out_str(&c->out, " blocks");
}

static void print_record_header(text_ctx *c, const ch_loss_record *r, size_t num, size_t of)
{
    prefix(c);
    put_record_amount(c, r);
    chr_out_str(&c->out, " are ");
    chr_out_str(&c->out, chr_kind_phrase(r->kind));
    chr_out_str(&c->out, " in ");
    put_record_number(c, num, of);
    chr_out_char(&c->out, '\n');
}

static int print_record(text_ctx *c, const ch_loss_record *r, size_t num, size_t of)
{
    chr_frames f;
    if (chr_stack_frames(c->in, r->stack_id, &f) != 0)
        return -1;
    bool show_all = chr_show_glue(&f, c->o->show_glue);
    chr_cgo_origin origin = chr_find_cgo_origin(&f);

    print_record_header(c, r, num, of);
    if (origin.kind != CHR_CGO_NONE)
        print_cgo_origin(c, &origin);
    print_frames(c, &f, show_all);
    const ch_stack *st = chr_raw_stack(c->in, r->stack_id);
    if (st && st->truncated_at) {
        prefix(c);
        chr_out_printf(&c->out, "    (stack truncated at %u frames)\n", st->truncated_at);
    }
    if (origin.kind != CHR_CGO_NONE)
        print_cgo_hint(c, origin.kind);
    if (r->root) { /* --show-roots */
        prefix(c);
        chr_out_str(&c->out, "  held by ");
        chr_out_str(&c->out, r->root);
        chr_out_char(&c->out, '\n');
    }
    blank(c);
    if (c->o->gen_suppressions)
        print_suppression(c, &f, show_all, r, num, of);
    chr_frames_release(&f);
    return 0;
}

static int print_shown(void *c, const ch_loss_record *r, size_t num, size_t of)
{
    return print_record(c, r, num, of);
}

/* Prints the shown records; returns how many listed ones were not shown, or -1. */
static long print_records(text_ctx *c, size_t of)
{
    return chr_each_shown_loss_record(c->in, c->o, of, print_shown, c);
}

static void print_amount_line(text_ctx *c, const char *label, chr_amount a)
{
    prefix(c);
    chr_out_printf(&c->out, " %18s:", label);
    put_amount(c, a);
    chr_out_char(&c->out, '\n');
}

static void print_heap_summary(text_ctx *c, const chr_summary *s)
{
    char n1[CHR_NUM_LEN], n2[CHR_NUM_LEN], n3[CHR_NUM_LEN];
    prefix(c);
    chr_out_str(&c->out, " HEAP SUMMARY:\n");
    print_amount_line(c, c->in->live ? "in use now" : "in use at exit", s->in_use);
    prefix(c);
    chr_out_printf(&c->out, " %18s: %s allocs, %s frees, %s bytes allocated%s\n",
                   "total heap usage", chr_commas(s->allocs, n1), chr_commas(s->frees, n2),
                   chr_commas(s->bytes_alloc, n3),
                   c->in->prof->sample_rate > 1 ? " (estimates from samples)" : "");
    prefix(c);
    chr_out_printf(&c->out, " cgoheap: agent memory: %s bytes\n",
                   chr_commas(c->in->prof->agent_bytes, n1));
    blank(c);
}

/*
 * What the suppressed blocks are, one line per class present: a valgrind
 * user reads "suppressed" as rules someone wrote, and valgrind shows 0 for
 * the runtimes' caches (it frees them before its check).
 */
static void print_suppressed_as(text_ctx *c, const chr_summary *s)
{
    static const char *const what[CH_SUPP_CLASSES] = {
        [CH_SUPP_USER] = "matched your --suppressions",
        [CH_SUPP_FREED_AT_EXIT] = "are glibc's and libstdc++'s own caches, which they free at exit "
                                  "(valgrind frees them before its check)",
        [CH_SUPP_KEPT] = "are thread, loader and Go runtime state, kept while the process lives",
    };
    static const ch_supp_class order[] = {CH_SUPP_FREED_AT_EXIT, CH_SUPP_KEPT, CH_SUPP_USER};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        chr_amount a = s->suppressed_as[order[i]];
        if (a.count == 0)
            continue;
        prefix(c);
        chr_out_printf(&c->out, " %18s  of which", "");
        put_amount(c, a);
        chr_out_printf(&c->out, " %s\n", what[order[i]]);
    }
}

static void print_leak_summary(text_ctx *c, const chr_summary *s, long hidden)
{
    prefix(c);
    chr_out_str(&c->out, " LEAK SUMMARY:\n");
    if (c->in->prof->scanned) {
        for (int k = CH_KIND_DEFINITE; k <= CH_KIND_REACHABLE; k++)
            print_amount_line(c, chr_kind_phrase((ch_kind)k), s->by_kind[k]);
    }
    if (!c->in->prof->scanned || s->by_kind[CH_KIND_UNFREED].count > 0)
        print_amount_line(c, chr_kind_phrase(CH_KIND_UNFREED), s->by_kind[CH_KIND_UNFREED]);
    /* Only a Go program has these: a C program's summary stays valgrind's. */
    if (s->by_kind[CH_KIND_GOGARBAGE].count > 0 || s->by_kind[CH_KIND_GOFINAL].count > 0) {
        print_amount_line(c, "held by Go garbage", s->by_kind[CH_KIND_GOGARBAGE]);
        print_amount_line(c, "  with a finalizer", s->by_kind[CH_KIND_GOFINAL]);
    }
    print_amount_line(c, "suppressed", s->suppressed);
    print_suppressed_as(c, s);
    if (hidden > 0) {
        prefix(c);
        chr_out_printf(&c->out,
                       " %ld loss records of kinds not shown; to see them, rerun with: "
                       "--show-leak-kinds=all\n",
                       hidden);
    }
}

static void print_note(void *ctx, const char *note)
{
    text_ctx *c = ctx;
    prefix(c);
    chr_out_str(&c->out, " note: ");
    chr_out_clean(&c->out, note);
    chr_out_char(&c->out, '\n');
}

/* A stack by id with its frames, or "(no stack recorded)"; -1 if they could not be had. */
static int print_stack(text_ctx *c, uint32_t stack_id)
{
    chr_frames f;
    if (chr_stack_frames(c->in, stack_id, &f) != 0)
        return -1;
    print_frames(c, &f, chr_show_glue(&f, c->o->show_glue));
    chr_frames_release(&f);
    return 0;
}

/* valgrind's wording for a bad free, the bad call's stack, then what is known of the block. */
static int print_invalid_free(text_ctx *c, const ch_invalid_free *f)
{
    char num[CHR_NUM_LEN];
    prefix(c);
    chr_out_str(&c->out, " Invalid free() / delete / delete[] / realloc()\n");
    if (print_stack(c, f->stack_id))
        return -1;
    prefix(c);
    chr_out_str(&c->out, "  Address 0x");
    chr_out_hex(&c->out, f->addr, false);
    if (f->kind == CH_INVALID_MISALIGNED) {
        chr_out_str(&c->out, " is not 16-byte aligned: malloc never returned it\n");
        blank(c);
        return 0;
    }
    chr_out_str(&c->out, " is 0 bytes inside a block of size ");
    chr_out_str(&c->out, chr_commas(f->size, num));
    chr_out_str(&c->out, " free'd (the caller of that free)\n");
    if (print_stack(c, f->free_stack_id))
        return -1;
    prefix(c);
    chr_out_str(&c->out, "  Block was alloc'd at\n");
    if (print_stack(c, f->alloc_stack_id))
        return -1;
    blank(c);
    return 0;
}

/* A followed child's report (valgrind's lines): its command line and its parent. */
static void print_child_header(text_ctx *c)
{
    prefix(c);
    chr_out_str(&c->out, " Command:");
    for (char *const *a = c->in->program_argv; a && *a; a++) {
        chr_out_char(&c->out, ' ');
        chr_out_clean(&c->out, *a);
    }
    chr_out_char(&c->out, '\n');
    prefix(c);
    chr_out_printf(&c->out, " Parent PID: %d\n", c->in->ppid);
}

/* Everything but the header; -1 if a stack's frames could not be had. */
static int print_body(text_ctx *c, const chr_summary *s)
{
    /* valgrind's order: errors as they happened, heap summary, loss records, leak summary. */
    for (size_t i = 0; i < c->in->prof->ninvalid_frees; i++)
        if (print_invalid_free(c, &c->in->prof->invalid_frees[i]))
            return -1;
    print_heap_summary(c, s);
    /* With no agent nothing was recorded: "no leaks" would be a false claim. */
    if (s->in_use.count == 0 && c->in->prof->agent_attached && c->in->prof->sample_rate > 1) {
        /* Only the sampled blocks were seen: a leak between samples may remain. */
        prefix(c);
        chr_out_str(&c->out, " No sampled heap block was in use at exit; unsampled leaks are "
                             "possible (run without --sample-rate to be sure)\n");
    } else if (s->in_use.count == 0 && c->in->prof->agent_attached) {
        prefix(c);
        chr_out_str(&c->out, " All heap blocks were freed -- no leaks are possible\n");
    } else {
        long hidden = print_records(c, s->n_listed);
        if (hidden < 0)
            return -1;
        print_leak_summary(c, s, hidden);
    }
    chr_notes(c->in, print_note, c);
    return 0;
}

int ch_report_text(FILE *out, const ch_report_input *in, const ch_report_opts *o)
{
    text_ctx c = {.in = in, .o = o};
    chr_out_init(&c.out, out);
    chr_fmemo_init(&c.frames, put_frame_line);
    int n = snprintf(c.prefix, sizeof c.prefix, "==%d==", chr_pid(in));
    c.prefix_len = n > 0 ? (size_t)n : 0;
    chr_summary s;
    chr_summarize(in, &s);

    prefix(&c);
    chr_out_str(&c.out, " cgoheap: C heap check of ");
    chr_out_clean(&c.out, in->program ? in->program : "(unknown program)");
    chr_out_char(&c.out, '\n');
    if (in->ppid)
        print_child_header(&c);
    if (in->live) {
        prefix(&c);
        chr_out_printf(&c.out, " cgoheap: checked while running: %zu threads stopped for %.3f ms\n",
                       in->live->threads, in->live->seconds * 1e3);
        prefix(&c);
        if (in->live->marked_stopped)
            chr_out_printf(&c.out, " cgoheap: marked while stopped (%s); the check took %.3f ms\n",
                           in->live->marked_stopped, in->live->check_seconds * 1e3);
        else
            chr_out_printf(
                &c.out, " cgoheap: marked after the resume in %.3f ms; the check took %.3f ms\n",
                (in->live->marked_at - in->live->resume_at) * 1e3, in->live->check_seconds * 1e3);
    }
    if (in->live && in->live->missed) {
        prefix(&c);
        chr_out_printf(&c.out,
                       " cgoheap: %zu threads did not stop in time: their stacks were scanned "
                       "whole\n",
                       in->live->missed);
    }
    blank(&c);
    int rc = print_body(&c, &s);
    chr_fmemo_free(&c.frames);
    if (chr_out_finish(&c.out) != 0)
        rc = -1;
    return rc == 0 && fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
