/*
 * The Prometheus text exposition of a live record (format 0.0.4): what
 * `promtool check metrics` accepts, counters ending in _total, units in
 * the names. Figures are scaled like the text report's summary when the
 * run is sampled, so a dashboard shows the same numbers as the exit report.
 */
#include "report/report_internal.h"

static void metric(FILE *f, const char *name, const char *type, const char *help, double v)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, v);
}

int ch_report_metrics(FILE *out, const ch_report_input *in, const ch_metrics_extra *x)
{
    chr_summary s;
    chr_summarize(in, &s);
    const ch_profile *p = in->prof;
    metric(out, "cgoheap_heap_inuse_bytes", "gauge", "C heap bytes in use (requested sizes).",
           (double)s.in_use.bytes);
    metric(out, "cgoheap_heap_inuse_blocks", "gauge", "C heap blocks in use.",
           (double)s.in_use.count);
    metric(out, "cgoheap_allocs_total", "counter", "C heap allocations so far.", (double)s.allocs);
    metric(out, "cgoheap_frees_total", "counter", "Frees of recorded C heap blocks so far.",
           (double)s.frees);
    metric(out, "cgoheap_alloc_bytes_total", "counter", "Bytes requested by allocations so far.",
           (double)s.bytes_alloc);
    metric(out, "cgoheap_dropped_allocs_total", "counter",
           "Allocations the agent could not record.", (double)p->n_dropped);
    metric(out, "cgoheap_agent_bytes", "gauge", "Memory the agent itself uses in the program.",
           (double)p->agent_bytes);
    if (x->rss_bytes)
        metric(out, "cgoheap_process_resident_memory_bytes", "gauge",
               "Resident set size of the program.", (double)x->rss_bytes);
    metric(out, "cgoheap_sample_rate_bytes", "gauge",
           "Average bytes between sampled allocations (1: every allocation).",
           (double)p->sample_rate);
    metric(out, "cgoheap_agent_attached", "gauge", "1 if the agent is recording in the program.",
           p->agent_attached && !p->agent_fail_reason[0] ? 1 : 0);
    if (x->checks) {
        metric(out, "cgoheap_leak_checks_total", "counter",
               "Leak checks of the running program so far.", (double)x->checks);
        metric(out, "cgoheap_leak_check_pause_seconds", "gauge",
               "How long the last leak check stopped the program.", x->check_pause_seconds);
        metric(out, "cgoheap_leak_check_seconds", "gauge",
               "How long the last leak check took in all (its pause, then the marking, grouping "
               "and symbols while the program ran).",
               x->check_seconds);
        metric(out, "cgoheap_leak_check_marked_while_stopped", "gauge",
               "1 if the last leak check marked the heap while the program was stopped (heap "
               "over the copy limit: see -v), 0 if from a copy after the resume.",
               x->check_marked_stopped ? 1 : 0);
        metric(out, "cgoheap_leak_check_definitely_lost_bytes", "gauge",
               "C heap bytes definitely lost at the last leak check (not suppressed).",
               (double)x->definite_bytes);
        metric(out, "cgoheap_leak_check_definitely_lost_blocks", "gauge",
               "C heap blocks definitely lost at the last leak check (not suppressed).",
               (double)x->definite_blocks);
    }
    if (x->serve_counts) {
        metric(out, "cgoheap_record_reads_total", "counter",
               "Reads of the live table for profiles, metrics and the peak (a request when "
               "nothing changed since the last read makes none).",
               (double)x->record_reads);
        metric(out, "cgoheap_record_blocks_read_total", "counter",
               "Live blocks read from the record by those reads.", (double)x->blocks_read);
        metric(out, "cgoheap_record_blocks_summed_total", "counter",
               "Live blocks summed per stack for profiles and metrics (sums are kept with "
               "the read).",
               (double)x->blocks_summed);
    }
    return ferror(out) ? -1 : 0;
}

void ch_report_inuse(const ch_report_input *in, uint64_t *bytes, uint64_t *blocks)
{
    chr_summary s;
    chr_summarize(in, &s);
    *bytes = s.in_use.bytes;
    *blocks = s.in_use.count;
}

void ch_report_kind_total(const ch_report_input *in, ch_kind k, uint64_t *bytes, uint64_t *blocks)
{
    chr_summary s;
    chr_summarize(in, &s);
    *bytes = s.by_kind[k].bytes;
    *blocks = s.by_kind[k].count;
}
