/*
 * The live side of `cgoheap run`: one ch_live (the record's snapshots) fed
 * by the launcher, read by the HTTP server and by a watcher thread that
 * polls the heap in use once a second (for the peak of the exit report; a
 * record whose stamp did not move is not read again, collect/record.h),
 * makes the symbols of new stacks ahead of the next profile, and
 * writes heap-<unix time>.pb.gz every --snapshot-interval.
 */
#include "serve/serve.h"
#include "common/clock.h"
#include "common/outfile.h"
#include "serve/http.h"
#include "serve/live.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POLL_S 1.0

struct ch_serve {
    ch_serve_opts o;
    ch_live *live;
    ch_leaks *leaks;
    ch_http *http;
    pthread_t watcher;
    bool watching;
    pthread_mutex_t mu; /* guards stop and peak */
    pthread_cond_t wake;
    bool stop;
    ch_peak peak;
    double started;          /* CLOCK_MONOTONIC seconds */
    long long last_snapshot; /* unix second of the last file written */
    bool threads_tried;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void note_peak(ch_serve *s)
{
    uint64_t bytes, blocks;
    if (ch_live_inuse(s->live, &bytes, &blocks))
        return;
    pthread_mutex_lock(&s->mu);
    if (!s->peak.known || bytes > s->peak.bytes)
        s->peak = (ch_peak){true, bytes, blocks, mono() - s->started, (long long)time(NULL)};
    pthread_mutex_unlock(&s->mu);
}

static void write_snapshot(ch_serve *s)
{
    ch_heap_query q = {.mode = CH_HEAP_WHOLE};
    ch_reply r;
    long long now = (long long)time(NULL);
    if (now == s->last_snapshot)
        return; /* a late tick in the same second would overwrite the file */
    ch_live_heap(s->live, &q, &r);
    if (r.status == 200) {
        char path[4096];
        s->last_snapshot = now;
        snprintf(path, sizeof path, "%s/heap-%lld.pb.gz", s->o.snapshot_dir, now);
        FILE *f = ch_outfile_open(path);
        bool ok = f && fwrite(r.body, 1, r.len, f) == r.len;
        if ((f && ch_outfile_close(f)) || !ok)
            fprintf(stderr, "cgoheap: %s: %s\n", path, strerror(errno));
    }
    free(r.body);
}

/* Sleeps until `until` (monotonic) or close; false once closed. */
static bool nap(ch_serve *s, double until)
{
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        double left = until - mono();
        if (left <= 0)
            break;
        struct timespec ts = ch_deadline(CLOCK_REALTIME, left);
        pthread_cond_timedwait(&s->wake, &s->mu, &ts);
    }
    bool go = !s->stop;
    pthread_mutex_unlock(&s->mu);
    return go;
}

static void *watch(void *arg)
{
    ch_serve *s = arg;
    double every = s->o.snapshot_interval;
    double next_poll = mono(), next_snap = every > 0 ? mono() + every : 0;
    while (nap(s, every > 0 && next_snap < next_poll ? next_snap : next_poll)) {
        double now = mono();
        if (now >= next_poll) {
            note_peak(s);
            ch_live_warm(s->live); /* the first profile's symbols, made before it is asked */
            next_poll = now + POLL_S;
        }
        if (every > 0 && now >= next_snap) {
            note_peak(s); /* a snapshot's moment counts for the peak too */
            write_snapshot(s);
            next_snap += every;
            if (next_snap < now)
                next_snap = now + every; /* the program stalled us: no burst of catch-up files */
        }
    }
    return NULL;
}

static int start_watcher(ch_serve *s, char *err, size_t errlen)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old); /* signals stay with the launcher's main thread */
    int e = pthread_create(&s->watcher, NULL, watch, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) {
        snprintf(err, errlen, "cannot start a thread: %s", strerror(e));
        return -1;
    }
    s->watching = true;
    return 0;
}

ch_serve *ch_serve_open(const ch_serve_opts *o, char *err, size_t errlen)
{
    if (o->snapshot_interval > 0 && access(o->snapshot_dir, W_OK | X_OK)) {
        snprintf(err, errlen, "--snapshot-dir=%s: %s", o->snapshot_dir, strerror(errno));
        return NULL;
    }
    ch_serve *s = calloc(1, sizeof *s);
    if (!s || !(s->live = ch_live_new(o->program, o->symbols)) ||
        !(s->leaks = ch_leaks_new(o->leaks, o->leaks_ctx))) {
        if (s)
            ch_live_free(s->live);
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->o = *o;
    s->started = mono();
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (o->http &&
        !(s->http = ch_http_open(o->http, o->allow_remote, s->live, s->leaks, err, errlen))) {
        ch_serve_close(s, NULL);
        return NULL;
    }
    return s;
}

const char *ch_serve_url(const ch_serve *s)
{
    return s->http ? ch_http_url(s->http) : NULL;
}

/* Threads start here, once the program is started: the launcher's setenv
 * (children.c) and the program's environment, made from environ
 * (launch.c), come before, while no other thread can read or change it.
 * They fail open. */
static void start_threads(ch_serve *s)
{
    char err[256];
    s->threads_tried = true;
    s->started = mono();
    if ((s->http && ch_http_start(s->http, err, sizeof err)) || start_watcher(s, err, sizeof err))
        fprintf(stderr, "cgoheap: %s; the program runs without it\n", err);
}

void ch_serve_live(void *ctx, const ch_live_record *rec)
{
    ch_serve *s = ctx;
    if (!rec)
        note_peak(s); /* the last look before the record is read at exit */
    ch_live_attach(s->live, rec);
    ch_leaks_attach(s->leaks, rec);
    if (rec && !s->threads_tried)
        start_threads(s);
}

void ch_serve_close(ch_serve *s, ch_peak *peak)
{
    if (!s)
        return;
    ch_live_attach(s->live, NULL); /* wakes ?seconds= waiters */
    ch_leaks_attach(s->leaks, NULL);
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->mu);
    if (s->watching)
        pthread_join(s->watcher, NULL);
    ch_http_close(s->http);
    if (peak)
        *peak = s->peak;
    ch_live_free(s->live);
    ch_leaks_free(s->leaks);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
