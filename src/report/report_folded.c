/*
 * Folded stacks (flamegraph.pl, inferno, speedscope): one line per loss
 * record that is not suppressed, "root;...;leaf BYTES", with the frames the
 * text report shows (glue frames hidden unless a stack has nothing else).
 */
#include "report/report_fmemo.h"
#include "report/report_internal.h"

/*
 * ';' separates frames and '\n' lines, so neither may appear inside a name;
 * other control bytes would only confuse the viewers. Spaces are fine: the
 * parsers split the count off at the last space.
 */
static void put_name(chr_out *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        chr_out_char(out, (char)(c == ';' ? ':' : c < 0x20 || c == 0x7f ? '?' : c));
    }
}

static void put_frame(chr_out *out, const ch_frame *fr)
{
    if (fr->function) {
        put_name(out, fr->function);
    } else if (fr->module) {
        put_name(out, chr_basename(fr->module));
        chr_out_str(out, "+0x");
        chr_out_hex(out, fr->module_off, false);
    } else {
        chr_out_str(out, "0x");
        chr_out_hex(out, fr->pc, false);
    }
}

static int write_line(chr_out *out, chr_fmemo *names, const ch_report_input *in,
                      const ch_loss_record *r)
{
    chr_frames f;
    if (chr_stack_frames(in, r->stack_id, &f) != 0)
        return -1;
    bool show_all = chr_show_glue(&f, false);
    bool first = true;
    /* Frames are leaf first; folded lines are root first. */
    for (size_t i = f.n; i-- > 0;) {
        if (!show_all && f.v[i].glue)
            continue;
        if (!first)
            chr_out_char(out, ';');
        chr_fmemo_put(names, out, &f.v[i]);
        first = false;
    }
    if (first)
        chr_out_str(out, "[unknown stack]");
    chr_out_char(out, ' ');
    chr_out_u64(out, chr_loss_record_amount(in, r).bytes);
    chr_out_char(out, '\n');
    chr_frames_release(&f);
    return 0;
}

int ch_report_folded(FILE *out, const ch_report_input *in)
{
    chr_out o;
    chr_out_init(&o, out);
    chr_fmemo names;
    chr_fmemo_init(&names, put_frame);
    int rc = 0;
    for (size_t i = 0; i < in->nrecords && rc == 0; i++) {
        ch_prefetch_loss_records(in->prof, in->records, in->nrecords, i);
        if (!in->records[i].suppressed)
            rc = write_line(&o, &names, in, &in->records[i]);
    }
    chr_fmemo_free(&names);
    if (chr_out_finish(&o) != 0)
        rc = -1;
    return rc == 0 && fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
