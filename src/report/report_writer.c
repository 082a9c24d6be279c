/* The background writer of the reports; see report_writer.h. */
#include "report/report_writer.h"
#include "common/quiet_thread.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct chr_writer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a buffer was handed over or written, or stop asked */
    FILE *sink;
    char *full; /* being written; NULL when the thread is idle */
    size_t full_len, full_cap;
    char *spare; /* written, to be filled again */
    size_t spare_cap;
    bool stopping, failed;
};

/* Takes the next full buffer, NULL once stopping with nothing left. Called locked. */
static char *next_full(chr_writer *w)
{
    while (!w->full && !w->stopping)
        pthread_cond_wait(&w->changed, &w->lock);
    return w->full;
}

static void *writer_main(void *arg)
{
    chr_writer *w = arg;
    pthread_mutex_lock(&w->lock);
    for (char *buf; (buf = next_full(w));) {
        size_t len = w->full_len;
        pthread_mutex_unlock(&w->lock);
        bool ok = fwrite(buf, 1, len, w->sink) == len;
        pthread_mutex_lock(&w->lock);
        w->failed |= !ok;
        w->spare = buf;
        w->spare_cap = w->full_cap;
        w->full = NULL;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

chr_writer *chr_writer_start(FILE *sink)
{
    chr_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->sink = sink;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->changed, NULL);
    if (ch_start_quiet_thread(&w->thread, writer_main, w) != 0) {
        pthread_cond_destroy(&w->changed);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    return w;
}

/* Waits until the thread has no buffer to write. Called locked. */
static void wait_idle(chr_writer *w)
{
    while (w->full)
        pthread_cond_wait(&w->changed, &w->lock);
}

char *chr_writer_swap(chr_writer *w, char *buf, size_t len, size_t cap, size_t *spare_cap)
{
    pthread_mutex_lock(&w->lock);
    wait_idle(w);
    char *spare = w->spare;
    *spare_cap = w->spare_cap;
    w->spare = NULL;
    w->full = buf;
    w->full_len = len;
    w->full_cap = cap;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    return spare;
}

int chr_writer_stop(chr_writer *w)
{
    pthread_mutex_lock(&w->lock);
    wait_idle(w);
    w->stopping = true;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    bool failed = w->failed;
    free(w->spare);
    pthread_cond_destroy(&w->changed);
    pthread_mutex_destroy(&w->lock);
    free(w);
    return failed ? -1 : 0;
}
