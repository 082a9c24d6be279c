/*
 * valgrind memcheck's XML output (protocol 4, docs/internals/xml-output-
 * protocol4.txt in valgrind's sources), so that tools reading valgrind's XML
 * (Jenkins' Valgrind plugin, CTest, IDEs) read cgoheap's: the header
 * valgrind writes, the invalid frees as InvalidFree <error>s between the
 * RUNNING and FINISHED <status> (valgrind reports them as they happen),
 * one <error> per loss record shown (--show-leak-kinds) with its <xwhat>
 * (a definitely lost record's bytes include those it holds indirectly, as
 * valgrind's) and <stack>, then <errorcounts> (the invalid frees: valgrind
 * counts no leaks there) and <suppcounts>. Differences: stacks start at
 * malloc's or free's caller (valgrind's first frame is its own), the first
 * free of a double free has only its caller's frame, and a misaligned free
 * says so (valgrind names the block it points into). Unscanned blocks
 * (kind unfreed) have no valgrind kind; they are written as
 * Leak_PossiblyLost, what they may be.
 */
#include "report/report_internal.h"
#include "report/report_out.h"
#include <string.h>
#include <unistd.h>

#define MAX_SUPP_NAMES 256

typedef struct xml_ctx {
    chr_out out;
    const ch_report_input *in;
    const ch_report_opts *o;
    size_t unique; /* <unique> of the next error */
} xml_ctx;

/* Text from the target's files or command line: markup escaped, controls '?'. */
static void put_text(chr_out *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            chr_out_str(out, "&amp;");
            break;
        case '<':
            chr_out_str(out, "&lt;");
            break;
        case '>':
            chr_out_str(out, "&gt;");
            break;
        default:
            chr_out_char(out, (unsigned char)*s < 0x20 ? '?' : *s);
        }
    }
}

static void element(chr_out *out, const char *indent, const char *tag, const char *text)
{
    chr_out_printf(out, "%s<%s>", indent, tag);
    put_text(out, text);
    chr_out_printf(out, "</%s>\n", tag);
}

static const char *xml_kind(ch_kind k)
{
    switch (k) {
    case CH_KIND_DEFINITE:
    case CH_KIND_GOGARBAGE: /* nothing live holds it: an error, as definite */
        return "Leak_DefinitelyLost";
    case CH_KIND_INDIRECT:
        return "Leak_IndirectlyLost";
    case CH_KIND_REACHABLE:
    case CH_KIND_GOFINAL: /* a finalizer will likely free it */
        return "Leak_StillReachable";
    default:
        return "Leak_PossiblyLost";
    }
}

static void put_args(chr_out *out, const char *tag, char *const *argv, size_t n)
{
    chr_out_printf(out, "  <%s>\n", tag);
    element(out, "    ", "exe", n ? argv[0] : "");
    for (size_t i = 1; i < n; i++)
        element(out, "    ", "arg", argv[i]);
    chr_out_printf(out, "  </%s>\n", tag);
}

/* valgrind's "d:hh:mm:ss.mmm " */
static void put_status(chr_out *out, const char *state, double secs)
{
    unsigned long long ms = secs > 0 ? (unsigned long long)(secs * 1000) : 0;
    chr_out_printf(out, "<status>\n  <state>%s</state>\n", state);
    chr_out_printf(out, "  <time>%02llu:%02llu:%02llu:%02llu.%03llu </time>\n</status>\n\n",
                   ms / 86400000, ms / 3600000 % 24, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
}

static size_t argv_len(char *const *a)
{
    size_t n = 0;
    while (a && a[n])
        n++;
    return n;
}

static void put_header(xml_ctx *c)
{
    chr_out *out = &c->out;
    const ch_report_input *in = c->in;
    chr_out_str(out, "<?xml version=\"1.0\"?>\n\n<valgrindoutput>\n\n"
                     "<protocolversion>4</protocolversion>\n"
                     "<protocoltool>memcheck</protocoltool>\n\n<preamble>\n");
    element(out, "  ", "line", "cgoheap, a C heap leak checker whose stacks see through cgo");
    chr_out_str(out, "  <line>Using cgoheap ");
    put_text(out, in->tool_version ? in->tool_version : "");
    chr_out_str(out, "</line>\n  <line>Command:");
    for (char *const *a = in->program_argv; a && *a; a++) {
        chr_out_char(out, ' ');
        put_text(out, *a);
    }
    chr_out_str(out, "</line>\n</preamble>\n\n");
    chr_out_printf(out, "<pid>%d</pid>\n<ppid>%d</ppid>\n<tool>memcheck</tool>\n\n<args>\n",
                   chr_pid(in), in->ppid ? in->ppid : (int)getpid());
    /* vargv: cgoheap and its options, up to the program. */
    size_t ncmd = argv_len(in->command_line), nprog = argv_len(in->program_argv);
    put_args(out, "vargv", in->command_line, ncmd >= nprog ? ncmd - nprog : ncmd);
    put_args(out, "argv", in->program_argv, nprog);
    chr_out_str(out, "</args>\n\n");
    put_status(out, "RUNNING", 0);
}

static void put_frame(chr_out *out, const ch_frame *fr)
{
    chr_out_str(out, "    <frame>\n      <ip>0x");
    chr_out_hex(out, fr->pc, true);
    chr_out_str(out, "</ip>\n");
    if (fr->module)
        element(out, "      ", "obj", fr->module);
    if (fr->function)
        element(out, "      ", "fn", fr->function);
    const char *slash = fr->file ? strrchr(fr->file, '/') : NULL;
    if (slash && slash > fr->file) {
        chr_out_str(out, "      <dir>");
        char dir[4096];
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - fr->file), fr->file);
        put_text(out, dir);
        chr_out_str(out, "</dir>\n");
    }
    if (fr->file)
        element(out, "      ", "file", slash ? slash + 1 : fr->file);
    if (fr->line > 0)
        chr_out_printf(out, "      <line>%d</line>\n", fr->line);
    chr_out_str(out, "    </frame>\n");
}

/* <stack> with the frames shown; -1 if they could not be had. */
static int put_stack(xml_ctx *c, uint32_t stack_id)
{
    chr_frames f;
    if (chr_stack_frames(c->in, stack_id, &f) != 0)
        return -1;
    chr_out_str(&c->out, "  <stack>\n");
    bool show_all = chr_show_glue(&f, c->o->show_glue);
    for (size_t i = chr_next_shown(&f, 0, show_all); i < f.n;
         i = chr_next_shown(&f, i + 1, show_all))
        put_frame(&c->out, &f.v[i]);
    chr_out_str(&c->out, "  </stack>\n");
    chr_frames_release(&f);
    return 0;
}

/* valgrind's InvalidFree: the bad call, then what is known of the block. */
static int put_invalid_free(xml_ctx *c, const ch_invalid_free *f)
{
    chr_out *out = &c->out;
    chr_out_printf(out, "<error>\n  <unique>0x%zx</unique>\n  <tid>1</tid>\n", c->unique++);
    chr_out_str(out, "  <kind>InvalidFree</kind>\n"
                     "  <what>Invalid free() / delete / delete[] / realloc()</what>\n");
    if (put_stack(c, f->stack_id))
        return -1;
    chr_out_str(out, "  <auxwhat>Address 0x");
    chr_out_hex(out, f->addr, false);
    if (f->kind == CH_INVALID_MISALIGNED) {
        chr_out_str(out, " is not 16-byte aligned: malloc never returned it</auxwhat>\n");
    } else {
        chr_out_printf(out, " is 0 bytes inside a block of size %llu free'd</auxwhat>\n",
                       (unsigned long long)f->size);
        if (put_stack(c, f->free_stack_id))
            return -1;
        chr_out_str(out, "  <auxwhat>Block was alloc'd at</auxwhat>\n");
        if (put_stack(c, f->alloc_stack_id))
            return -1;
    }
    chr_out_str(out, "</error>\n\n");
    return 0;
}

static int put_invalid_frees(xml_ctx *c)
{
    for (size_t i = 0; i < c->in->prof->ninvalid_frees; i++)
        if (put_invalid_free(c, &c->in->prof->invalid_frees[i]))
            return -1;
    return 0;
}

static int put_error(xml_ctx *c, const ch_loss_record *r, size_t num, size_t of)
{
    chr_out *out = &c->out;
    chr_amount a = chr_loss_record_amount(c->in, r);
    char bytes[CHR_NUM_LEN], blocks[CHR_NUM_LEN];
    chr_out_printf(out, "<error>\n  <unique>0x%zx</unique>\n  <tid>1</tid>\n", c->unique++);
    chr_out_printf(out, "  <kind>%s</kind>\n  <xwhat>\n", xml_kind(r->kind));
    /* valgrind's "168 (24 direct, 144 indirect) bytes", leakedbytes the total (full tracking). */
    uint64_t ind = c->in->prof->sample_rate > 1 ? 0 : r->indirect_bytes;
    char direct[CHR_NUM_LEN], indirect[CHR_NUM_LEN];
    if (ind)
        chr_out_printf(out,
                       "    <text>%s (%s direct, %s indirect) bytes in %s blocks are %s in loss "
                       "record %zu of %zu</text>\n",
                       chr_commas(a.bytes + ind, bytes), chr_commas(a.bytes, direct),
                       chr_commas(ind, indirect), chr_commas(a.count, blocks),
                       chr_kind_phrase(r->kind), num, of);
    else
        chr_out_printf(out,
                       "    <text>%s bytes in %s blocks are %s in loss record %zu of %zu</text>\n",
                       chr_commas(a.bytes, bytes), chr_commas(a.count, blocks),
                       chr_kind_phrase(r->kind), num, of);
    chr_out_printf(out, "    <leakedbytes>%llu</leakedbytes>\n",
                   (unsigned long long)(a.bytes + ind));
    chr_out_printf(out, "    <leakedblocks>%llu</leakedblocks>\n  </xwhat>\n",
                   (unsigned long long)a.count);
    if (put_stack(c, r->stack_id))
        return -1;
    chr_out_str(out, "</error>\n\n");
    return 0;
}

static int put_shown(void *c, const ch_loss_record *r, size_t num, size_t of)
{
    return put_error(c, r, num, of);
}

/* The records shown, numbered like the text report's (valgrind's). */
static int put_errors(xml_ctx *c, size_t of)
{
    return chr_each_shown_loss_record(c->in, c->o, of, put_shown, c) < 0 ? -1 : 0;
}

/* How many records each suppression pattern took, as valgrind's <pair>s. */
static void put_suppcounts(xml_ctx *c)
{
    const char *names[MAX_SUPP_NAMES];
    size_t counts[MAX_SUPP_NAMES], n = 0;
    for (size_t i = 0; i < c->in->nrecords; i++) {
        const ch_loss_record *r = &c->in->records[i];
        if (!r->suppressed || !r->suppressed_by)
            continue;
        size_t k = 0;
        while (k < n && strcmp(names[k], r->suppressed_by))
            k++;
        if (k == n && n == MAX_SUPP_NAMES)
            continue;
        if (k == n) {
            names[n] = r->suppressed_by;
            counts[n++] = 0;
        }
        counts[k]++;
    }
    /* Each invalid free is its own error, counted once, like valgrind's distinct stacks. */
    chr_out_str(&c->out, "<errorcounts>\n");
    for (size_t i = 0; i < c->in->prof->ninvalid_frees; i++)
        chr_out_printf(
            &c->out, "  <pair>\n    <count>1</count>\n    <unique>0x%zx</unique>\n  </pair>\n", i);
    chr_out_str(&c->out, "</errorcounts>\n\n<suppcounts>\n");
    for (size_t k = 0; k < n; k++) {
        chr_out_printf(&c->out, "  <pair>\n    <count>%zu</count>\n", counts[k]);
        element(&c->out, "    ", "name", names[k]);
        chr_out_str(&c->out, "  </pair>\n");
    }
    chr_out_str(&c->out, "</suppcounts>\n\n</valgrindoutput>\n");
}

int ch_report_xml(FILE *out, const ch_report_input *in, const ch_report_opts *o)
{
    xml_ctx c = {.in = in, .o = o};
    chr_out_init(&c.out, out);
    chr_summary s;
    chr_summarize(in, &s);
    put_header(&c);
    int rc = put_invalid_frees(&c);
    put_status(&c.out, "FINISHED", in->run_seconds);
    if (rc == 0)
        rc = put_errors(&c, s.n_listed);
    put_suppcounts(&c);
    if (chr_out_finish(&c.out) != 0)
        rc = -1;
    return rc == 0 && fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
