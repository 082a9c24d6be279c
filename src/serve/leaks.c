/* /debug/cgoheap/leaks (leaks.h). */
#include "serve/leaks.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct ch_leaks {
    ch_leaks_fn fn;
    void *ctx;
    pthread_mutex_t check_mu; /* one check at a time: each stops the whole program */
    pthread_mutex_t mu;       /* guards the fields below */
    bool attached;
    ch_live_record rec;
    ch_metrics_extra last;
};

ch_leaks *ch_leaks_new(ch_leaks_fn fn, void *ctx)
{
    ch_leaks *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->fn = fn;
    l->ctx = ctx;
    pthread_mutex_init(&l->check_mu, NULL);
    pthread_mutex_init(&l->mu, NULL);
    return l;
}

void ch_leaks_free(ch_leaks *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->check_mu);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

void ch_leaks_attach(ch_leaks *l, const ch_live_record *rec)
{
    pthread_mutex_lock(&l->mu);
    l->attached = rec != NULL;
    if (rec)
        l->rec = *rec;
    pthread_mutex_unlock(&l->mu);
}

static int parse_format(const char *v, ch_leaks_format *f)
{
    static const char *const names[] = {"text", "json", "pprof"};
    if (!v || !*v) {
        *f = CH_LEAKS_TEXT;
        return 0;
    }
    for (int i = 0; i < 3; i++)
        if (!strcmp(v, names[i])) {
            *f = (ch_leaks_format)i;
            return 0;
        }
    return -1;
}

void ch_leaks_request(ch_leaks *l, const char *format, const char *kinds, ch_reply *out)
{
    ch_leaks_query q = {.kinds = kinds};
    if (parse_format(format, &q.format))
        return ch_reply_text(out, 400, "bad format parameter: text, json or pprof\n");
    pthread_mutex_lock(&l->mu);
    bool attached = l->attached;
    ch_live_record rec = l->rec;
    pthread_mutex_unlock(&l->mu);
    if (!attached || !l->fn)
        return ch_reply_text(out, 503, "the program is not running\n");
    pthread_mutex_lock(&l->check_mu);
    ch_leaks_answer a = {0};
    if (l->fn(l->ctx, &rec, &q, &a) == 0) {
        pthread_mutex_lock(&l->mu);
        l->last.checks++;
        l->last.check_pause_seconds = a.pause_seconds;
        l->last.check_seconds = a.check_seconds;
        l->last.check_marked_stopped = a.marked_stopped;
        l->last.definite_bytes = a.definite_bytes;
        l->last.definite_blocks = a.definite_blocks;
        pthread_mutex_unlock(&l->mu);
    }
    pthread_mutex_unlock(&l->check_mu);
    *out = a.reply;
}

void ch_leaks_figures(ch_leaks *l, ch_metrics_extra *x)
{
    pthread_mutex_lock(&l->mu);
    x->checks = l->last.checks;
    x->check_pause_seconds = l->last.check_pause_seconds;
    x->check_seconds = l->last.check_seconds;
    x->check_marked_stopped = l->last.check_marked_stopped;
    x->definite_bytes = l->last.definite_bytes;
    x->definite_blocks = l->last.definite_blocks;
    pthread_mutex_unlock(&l->mu);
}
