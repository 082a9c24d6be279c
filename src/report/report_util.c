/*
 * Number formatting, kind names, sampling scale, totals and notes shared by
 * the report writers.
 */
#include "report/report_exp.h"
#include "report/report_internal.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *chr_commas(uint64_t v, char buf[CHR_NUM_LEN])
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, v);
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        /* A separator goes before every group of three counted from the right. */
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

const char *chr_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int chr_pid(const ch_report_input *in)
{
    return in->pid ? in->pid : in->prof->pid;
}

const char *chr_kind_phrase(ch_kind k)
{
    static const char *const phrase[CH_KIND_COUNT] = {
        "definitely lost",
        "indirectly lost",
        "possibly lost",
        "still reachable",
        "unfreed at exit",
        "held by Go garbage",
        "held by Go garbage with a finalizer",
    };
    return (unsigned)k < CH_KIND_COUNT ? phrase[k] : "unfreed at exit";
}

const char *chr_kind_id(ch_kind k)
{
    static const char *const id[CH_KIND_COUNT] = {
        "definite", "indirect", "possible", "reachable", "unfreed", "gogarbage", "gofinalizer",
    };
    return (unsigned)k < CH_KIND_COUNT ? id[k] : "unfreed";
}

/* double -> uint64 without undefined behaviour on huge or NaN values. */
static uint64_t to_u64(double d)
{
    if (!(d > 0))
        return 0;
    if (d >= 18446744073709551615.0)
        return UINT64_MAX;
    return (uint64_t)d;
}

chr_amount chr_scale(uint64_t count, uint64_t bytes, uint64_t rate)
{
    chr_amount a = {count, bytes};
    /* Unlike Go, keep zero-byte blocks (malloc(0)) counted: they are real. */
    if (rate <= 1 || count == 0 || bytes == 0)
        return a;
    double avg = (double)bytes / (double)count;
    /* Go's exact expression (not expm1), so figures match a Go heap profile's bit for bit. */
    double scale = 1.0 / (1.0 - chr_exp(-avg / (double)rate));
    a.count = to_u64((double)count * scale);
    a.bytes = to_u64((double)bytes * scale);
    return a;
}

chr_amount chr_loss_record_amount(const ch_report_input *in, const ch_loss_record *r)
{
    return chr_scale(r->blocks, r->bytes, in->prof->sample_rate);
}

static void add(chr_amount *to, chr_amount a)
{
    to->count += a.count;
    to->bytes += a.bytes;
}

/* With sampling, the agent's counters count samples; estimate the totals. */
static void estimate_totals(const ch_report_input *in, chr_summary *s)
{
    const ch_profile *p = in->prof;
    chr_amount all = {0, 0};
    for (size_t i = 0; p->stacks && i < p->nstacks; i++)
        add(&all, chr_scale(p->stacks[i].alloc_count, p->stacks[i].alloc_bytes, p->sample_rate));
    s->allocs = all.count;
    s->bytes_alloc = all.bytes;
    /* The share of sampled blocks that were freed, applied to the estimated
     * allocations. (Estimated allocs minus estimated in-use said 0 frees
     * whenever every sample was still live, however much was freed.) */
    s->frees = p->n_allocs
                   ? (uint64_t)((double)all.count * (double)p->n_frees / (double)p->n_allocs + 0.5)
                   : 0;
    if (s->frees > all.count)
        s->frees = all.count;
}

void chr_summarize(const ch_report_input *in, chr_summary *s)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < in->nrecords; i++) {
        const ch_loss_record *r = &in->records[i];
        chr_amount a = chr_loss_record_amount(in, r);
        add(&s->in_use, a);
        if (r->suppressed) {
            add(&s->suppressed, a);
            add(&s->suppressed_as[(unsigned)r->suppressed_as < CH_SUPP_CLASSES ? r->suppressed_as
                                                                               : CH_SUPP_USER],
                a);
            continue;
        }
        unsigned k = (unsigned)r->kind < CH_KIND_COUNT ? (unsigned)r->kind : CH_KIND_UNFREED;
        add(&s->by_kind[k], a);
        s->n_listed++;
    }
    const ch_profile *p = in->prof;
    if (p->sample_rate > 1) {
        estimate_totals(in, s);
    } else {
        s->allocs = p->n_allocs;
        s->frees = p->n_frees;
        s->bytes_alloc = p->bytes_alloc;
    }
}

/* A library loaded and unloaded over and over has an entry per load: one note says it. */
static bool said_before(const ch_profile *p, size_t m)
{
    for (size_t i = 0; i < m; i++)
        if (p->modules[i].replaced && p->modules[i].unloaded == p->modules[m].unloaded &&
            !strcmp(p->modules[i].path, p->modules[m].path))
            return true;
    return false;
}

static void agent_notes(const ch_profile *p, chr_note_fn fn, void *ctx)
{
    char line[512], num[CHR_NUM_LEN];
    if (!p->agent_attached && p->untracked[0]) {
        snprintf(line, sizeof line, "nothing was recorded: %.*s", (int)sizeof p->untracked,
                 p->untracked);
        fn(ctx, line);
    } else if (!p->agent_attached) {
        snprintf(line, sizeof line,
                 "the agent did not attach to the program%s%.*s; nothing was recorded",
                 p->agent_fail_reason[0] ? ": " : "", (int)sizeof p->agent_fail_reason,
                 p->agent_fail_reason);
        fn(ctx, line);
    } else if (p->agent_fail_reason[0]) {
        snprintf(line, sizeof line, "the agent stopped recording: %.*s; figures are incomplete",
                 (int)sizeof p->agent_fail_reason, p->agent_fail_reason);
        fn(ctx, line);
    }
    for (size_t i = 0; i < p->nmodules; i++)
        if (p->modules[i].replaced && !said_before(p, i)) {
            snprintf(line, sizeof line,
                     p->modules[i].unloaded
                         ? "%.300s was unloaded before the program ended, and the file there "
                           "now cannot be shown to be the one it ran (by build ID): its frames "
                           "are not symbolized"
                         : "%.300s was deleted or replaced on disk while the program ran: its "
                           "frames are not symbolized",
                     p->modules[i].path);
            fn(ctx, line);
        }
    chr_amount stackless = {0, 0};
    for (size_t i = 0; i < p->nblocks; i++)
        if (p->blocks[i].stack_id == 0)
            add(&stackless, (chr_amount){1, p->blocks[i].size});
    if (stackless.count > 0) {
        char num2[CHR_NUM_LEN], num3[CHR_NUM_LEN];
        snprintf(line, sizeof line,
                 "%s blocks (%s bytes) in use at exit have no stack, shown as \"(no stack "
                 "recorded)\": the record's stack table was full (%s distinct stacks)",
                 chr_commas(stackless.count, num), chr_commas(stackless.bytes, num2),
                 chr_commas(p->nstacks ? p->nstacks - 1 : 0, num3));
        fn(ctx, line);
    }
    if (p->n_dropped > 0) {
        snprintf(line, sizeof line, "%s allocations were not recorded; figures are lower bounds",
                 chr_commas(p->n_dropped, num));
        fn(ctx, line);
    }
    if (p->allocator[0]) {
        snprintf(line, sizeof line, "the program's malloc is %.*s's, not glibc's: followed%s",
                 (int)sizeof p->allocator, p->allocator,
                 p->new_untracked ? "; its C++ operator new/delete bypass malloc and were "
                                    "not tracked"
                                  : "");
        fn(ctx, line);
    }
}

void chr_notes(const ch_report_input *in, chr_note_fn fn, void *ctx)
{
    const ch_profile *p = in->prof;
    char line[512], num[CHR_NUM_LEN];
    agent_notes(p, fn, ctx);
    if (!p->scanned) {
        snprintf(line, sizeof line, "%.*s", (int)sizeof p->scan_notice,
                 p->scan_notice[0] ? p->scan_notice
                                   : "memory was not scanned, so leak kinds are unknown");
        fn(ctx, line);
    }
    if (p->sample_rate > 1) {
        snprintf(line, sizeof line, "sampled every %s bytes on average; figures are estimates",
                 chr_commas(p->sample_rate, num));
        fn(ctx, line);
    }
    if (p->exit.signaled) {
        const char *name = strsignal(p->exit.code);
        snprintf(line, sizeof line, "the program was killed by signal %d (%s)", p->exit.code,
                 name ? name : "unknown");
        fn(ctx, line);
    }
}

bool chr_kind_shown(const ch_report_opts *o, ch_kind k)
{
    unsigned lost = (1u << CH_KIND_DEFINITE) | (1u << CH_KIND_INDIRECT) | (1u << CH_KIND_POSSIBLE);
    if (k == CH_KIND_UNFREED && (o->show_kinds & lost))
        return true;
    return (unsigned)k < CH_KIND_COUNT && (o->show_kinds & (1u << k));
}

long chr_each_shown_loss_record(const ch_report_input *in, const ch_report_opts *o, size_t of,
                                chr_loss_record_fn fn, void *ctx)
{
    size_t num = 0;
    long hidden = 0;
    for (size_t i = 0; i < in->nrecords; i++) {
        const ch_loss_record *r = &in->records[i];
        ch_prefetch_loss_records(in->prof, in->records, in->nrecords, i);
        if (r->suppressed)
            continue;
        /* Numbering counts unshown records too, as valgrind does. */
        num++;
        if (!chr_kind_shown(o, r->kind))
            hidden++;
        else if (fn(ctx, r, num, of) != 0)
            return -1;
    }
    return hidden;
}
