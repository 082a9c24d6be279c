/*
 * Folded stacks (flamegraph.pl, inferno, speedscope): one line per loss
 * record that is not suppressed, "root;...;leaf BYTES", with the frames the
 * text report shows (internal ones hidden unless a stack has nothing else).
 */
#include "report/report_internal.h"
#include <inttypes.h>

/*
 * ';' separates frames and '\n' lines, so neither may appear inside a name;
 * other control bytes would only confuse the viewers. Spaces are fine: the
 * parsers split the count off at the last space.
 */
static void put_name(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        fputc(c == ';' ? ':' : c < 0x20 || c == 0x7f ? '?' : c, out);
    }
}

static void put_frame(FILE *out, const ch_frame *fr)
{
    if (fr->function) {
        put_name(out, fr->function);
    } else if (fr->module) {
        put_name(out, chr_basename(fr->module));
        fprintf(out, "+0x%" PRIx64, fr->module_off);
    } else {
        fprintf(out, "0x%" PRIx64, fr->pc);
    }
}

static int write_line(FILE *out, const ch_report_input *in, const ch_record *r)
{
    chr_frames f;
    if (chr_stack_frames(in, r->stack_id, &f) != 0)
        return -1;
    bool show_all = chr_show_internal(&f, false);
    bool first = true;
    /* Frames are leaf first; folded lines are root first. */
    for (size_t i = f.n; i-- > 0;) {
        if (!show_all && f.v[i].internal)
            continue;
        if (!first)
            fputc(';', out);
        put_frame(out, &f.v[i]);
        first = false;
    }
    if (first)
        fputs("[unknown stack]", out);
    fprintf(out, " %" PRIu64 "\n", chr_record_amount(in, r).bytes);
    chr_frames_release(&f);
    return 0;
}

int ch_report_folded(FILE *out, const ch_report_input *in)
{
    for (size_t i = 0; i < in->nrecords; i++) {
        if (!in->records[i].suppressed && write_line(out, in, &in->records[i]) != 0)
            return -1;
    }
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
