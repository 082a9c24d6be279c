/*
 * The json report: everything the text report knows, every loss record of every
 * kind and every frame (glue frames flagged "internal"). The schema is documented in
 * docs/json-schema.md; bump CHR_JSON_VERSION on any incompatible change.
 */
#include "report/report_fmemo.h"
#include "report/report_internal.h"
#include "report/report_jsonw.h"
#include <string.h>

#define CHR_JSON_VERSION 1

/* A fixed-size text field of the profile; a full one may lack its NUL. */
static void fixed_str(chr_json *j, const char *key, const char *field, size_t size)
{
    char copy[512];
    size_t n = strnlen(field, size < sizeof copy ? size : sizeof copy - 1);
    memcpy(copy, field, n);
    copy[n] = '\0';
    chr_json_str(j, key, n ? copy : NULL);
}

static void amount(chr_json *j, const char *key, chr_amount a)
{
    chr_json_open(j, key, '{', true);
    chr_json_u64(j, "bytes", a.bytes);
    chr_json_u64(j, "blocks", a.count);
    chr_json_close(j, '}');
}

static void write_summary(chr_json *j, const chr_summary *s)
{
    chr_json_open(j, "summary", '{', false);
    amount(j, "definitely_lost", s->by_kind[CH_KIND_DEFINITE]);
    amount(j, "indirectly_lost", s->by_kind[CH_KIND_INDIRECT]);
    amount(j, "possibly_lost", s->by_kind[CH_KIND_POSSIBLE]);
    amount(j, "still_reachable", s->by_kind[CH_KIND_REACHABLE]);
    amount(j, "unfreed", s->by_kind[CH_KIND_UNFREED]);
    amount(j, "held_by_go_garbage", s->by_kind[CH_KIND_GOGARBAGE]);
    amount(j, "held_by_go_garbage_with_finalizer", s->by_kind[CH_KIND_GOFINAL]);
    amount(j, "suppressed", s->suppressed);
    amount(j, "in_use", s->in_use);
    chr_json_open(j, "total", '{', true);
    chr_json_u64(j, "allocs", s->allocs);
    chr_json_u64(j, "frees", s->frees);
    chr_json_u64(j, "bytes", s->bytes_alloc);
    chr_json_close(j, '}');
    chr_json_close(j, '}');
}

static void write_frame(chr_json *j, const ch_frame *fr)
{
    chr_json_open(j, NULL, '{', true);
    chr_json_str(j, "function", fr->function);
    chr_json_str(j, "file", fr->file);
    if (fr->line > 0)
        chr_json_i64(j, "line", fr->line);
    else
        chr_json_null(j, "line");
    chr_json_str(j, "module", fr->module);
    chr_json_hex(j, "address", fr->pc);
    chr_json_hex(j, "offset", fr->module_off);
    chr_json_bool(j, "inlined", fr->inlined);
    chr_json_bool(j, "internal", fr->glue);
    chr_json_close(j, '}');
}

/* A frame's object on its own, memoized: frames repeat across stacks. */
static void frame_object(chr_out *out, const ch_frame *fr)
{
    chr_json j;
    chr_json_init_inline(&j, out);
    write_frame(&j, fr);
}

static void write_frames(chr_json *j, const char *key, chr_fmemo *objects, const chr_frames *f)
{
    chr_json_open(j, key, '[', false);
    for (size_t i = 0; i < f->n; i++) {
        chr_json_element(j);
        chr_fmemo_put(objects, j->out, &f->v[i]);
    }
    chr_json_close(j, ']');
}

static int write_record(chr_json *j, chr_fmemo *objects, const ch_report_input *in,
                        const ch_loss_record *r, size_t num)
{
    chr_frames f;
    if (chr_stack_frames(in, r->stack_id, &f) != 0)
        return -1;
    chr_amount a = chr_loss_record_amount(in, r);
    const ch_stack *st = chr_raw_stack(in, r->stack_id);
    chr_json_open(j, NULL, '{', false);
    if (r->suppressed)
        chr_json_null(j, "loss_record");
    else
        chr_json_u64(j, "loss_record", num);
    chr_json_str(j, "kind", chr_kind_id(r->kind));
    chr_json_u64(j, "bytes", a.bytes);
    chr_json_u64(j, "blocks", a.count);
    if (in->prof->sample_rate > 1)
        chr_json_null(j, "indirect_bytes");
    else
        chr_json_u64(j, "indirect_bytes", r->indirect_bytes);
    chr_json_u64(j, "stack_id", r->stack_id);
    chr_json_bool(j, "suppressed", r->suppressed);
    chr_json_bool(j, "error", ch_report_is_error(in, r));
    chr_json_str(j, "suppressed_by", r->suppressed ? r->suppressed_by : NULL);
    chr_json_str(j, "cgo_origin", chr_cgo_name(chr_find_cgo_origin(&f).kind));
    chr_json_bool(j, "truncated", st && st->truncated_at);
    if (r->root)
        chr_json_str(j, "root", r->root); /* --show-roots */
    write_frames(j, "frames", objects, &f);
    chr_json_close(j, '}');
    chr_frames_release(&f);
    return 0;
}

static int write_records(chr_json *j, const ch_report_input *in)
{
    chr_fmemo objects;
    chr_fmemo_init(&objects, frame_object);
    int rc = 0;
    size_t num = 0;
    chr_json_open(j, "records", '[', false);
    for (size_t i = 0; i < in->nrecords; i++) {
        const ch_loss_record *r = &in->records[i];
        ch_prefetch_loss_records(in->prof, in->records, in->nrecords, i);
        /* Same numbering as the text report: suppressed records have none. */
        if (!r->suppressed)
            num++;
        if (write_record(j, &objects, in, r, num) != 0) {
            rc = -1;
            break;
        }
    }
    chr_fmemo_free(&objects);
    chr_json_close(j, ']');
    return rc;
}

/* A stack by id as "key": [frames...]. */
static int write_stack(chr_json *j, chr_fmemo *objects, const ch_report_input *in, const char *key,
                       uint32_t stack_id)
{
    chr_frames f;
    if (chr_stack_frames(in, stack_id, &f) != 0)
        return -1;
    write_frames(j, key, objects, &f);
    chr_frames_release(&f);
    return 0;
}

static int write_invalid_frees(chr_json *j, const ch_report_input *in)
{
    chr_fmemo objects;
    chr_fmemo_init(&objects, frame_object);
    int rc = 0;
    chr_json_open(j, "invalid_frees", '[', false);
    for (size_t i = 0; rc == 0 && i < in->prof->ninvalid_frees; i++) {
        const ch_invalid_free *f = &in->prof->invalid_frees[i];
        bool dbl = f->kind == CH_INVALID_DOUBLE;
        chr_json_open(j, NULL, '{', false);
        chr_json_str(j, "kind", dbl ? "double_free" : "misaligned");
        chr_json_str(j, "call", f->realloc ? "realloc" : "free");
        chr_json_hex(j, "address", f->addr);
        if (dbl)
            chr_json_u64(j, "size", f->size);
        else
            chr_json_null(j, "size");
        rc = write_stack(j, &objects, in, "frames", f->stack_id);
        if (rc == 0)
            rc = write_stack(j, &objects, in, "freed_by", dbl ? f->free_stack_id : 0);
        if (rc == 0)
            rc = write_stack(j, &objects, in, "allocated_at", dbl ? f->alloc_stack_id : 0);
        chr_json_close(j, '}');
    }
    chr_json_close(j, ']');
    chr_fmemo_free(&objects);
    return rc;
}

static void write_agent(chr_json *j, const ch_profile *p)
{
    chr_json_open(j, "agent", '{', true);
    chr_json_bool(j, "attached", p->agent_attached);
    fixed_str(j, "fail_reason", p->agent_fail_reason, sizeof p->agent_fail_reason);
    chr_json_u64(j, "dropped", p->n_dropped);
    chr_json_u64(j, "memory_bytes", p->agent_bytes);
    fixed_str(j, "allocator", p->allocator, sizeof p->allocator);
    chr_json_bool(j, "new_untracked", p->new_untracked);
    chr_json_close(j, '}');
}

static void add_note(void *ctx, const char *note)
{
    chr_json_str(ctx, NULL, note);
}

static void write_header(chr_json *j, const ch_report_input *in)
{
    const ch_profile *p = in->prof;
    chr_json_str(j, "schema", "cgoheap-report");
    chr_json_u64(j, "version", CHR_JSON_VERSION);
    chr_json_str(j, "tool_version", in->tool_version);
    chr_json_open(j, "command_line", '[', true);
    for (char *const *a = in->command_line; a && *a; a++)
        chr_json_str(j, NULL, *a);
    chr_json_close(j, ']');
    chr_json_i64(j, "exit_status", in->exit_status);
    chr_json_str(j, "program", in->program);
    chr_json_i64(j, "pid", chr_pid(in));
    chr_json_open(j, "exit", '{', true);
    chr_json_bool(j, "signaled", p->exit.signaled);
    chr_json_i64(j, "code", p->exit.code);
    chr_json_close(j, '}');
    if (in->live) { /* a leak check of the running program, not its exit */
        chr_json_open(j, "live_check", '{', true);
        chr_json_u64(j, "pause_us", (uint64_t)(in->live->seconds * 1e6 + 0.5));
        chr_json_u64(j, "threads_stopped", in->live->threads);
        chr_json_u64(j, "threads_missed", in->live->missed);
        chr_json_u64(j, "check_us", (uint64_t)(in->live->check_seconds * 1e6 + 0.5));
        chr_json_bool(j, "marked_after_resume", !in->live->marked_stopped);
        chr_json_str(j, "marked_while_stopped_because", in->live->marked_stopped);
        chr_json_open(j, "monotonic_us", '{', true);
        chr_json_u64(j, "stop", (uint64_t)(in->live->stop_at * 1e6 + 0.5));
        chr_json_u64(j, "resume", (uint64_t)(in->live->resume_at * 1e6 + 0.5));
        chr_json_u64(j, "marked", (uint64_t)(in->live->marked_at * 1e6 + 0.5));
        chr_json_close(j, '}');
        chr_json_close(j, '}');
    }
    chr_json_bool(j, "scanned", p->scanned);
    fixed_str(j, "notice", p->scan_notice, sizeof p->scan_notice);
    chr_json_u64(j, "sample_rate", p->sample_rate > 1 ? p->sample_rate : 1);
    write_agent(j, p);
    chr_json_open(j, "notes", '[', false);
    chr_notes(in, add_note, j);
    chr_json_close(j, ']');
}

int ch_report_json(FILE *out, const ch_report_input *in)
{
    chr_out o;
    chr_out_init(&o, out);
    chr_json j = {.out = &o};
    chr_summary s;
    chr_summarize(in, &s);
    chr_json_open(&j, NULL, '{', false);
    write_header(&j, in);
    write_summary(&j, &s);
    int rc = write_invalid_frees(&j, in);
    if (rc == 0)
        rc = write_records(&j, in);
    chr_json_close(&j, '}');
    if (chr_out_finish(&o) != 0)
        rc = -1;
    return rc == 0 && fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
