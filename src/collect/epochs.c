/*
 * Allocation epochs (epochs.h). An epoch lasts 1 s for the first 4096
 * epochs (68 minutes), and each following run of 4096 epochs lasts twice
 * as long as the run before: the 16 bits of an entry then last 8.5 years,
 * and an epoch is always about a 4096th to an 8192th of the run so far
 * (after a day, 16 s). A block's age is that of the middle of its epoch,
 * so it is off by at most half an epoch, plus the thread's lateness (the
 * times kept are those at which the thread actually moved to each epoch).
 *
 * The thread wakes at least once a second to write the epoch again if the
 * header does not hold it: an exec in the program empties the header
 * (ch_shm_forget keeps the epoch, but a bump between its copy and its
 * restore is lost), and the record is the program's to scribble on.
 */
#include "collect/epochs.h"
#include "common/clock.h"
#include "common/quiet_thread.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#define RUN 4096u   /* epochs of one length */
#define RECHECK 1.0 /* seconds between looks at the header's copy */

struct ch_epochs {
    ch_shm_header *h;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC, like ch_now */
    bool stop;
    uint32_t current; /* published (release) after began[current] is written */
    double began[CH_MAX_EPOCH + 1];
};

static double length_of(uint32_t epoch)
{
    return (double)(1u << (epoch / RUN));
}

/* Under c->mu: sleeps until `until` (ch_now seconds) or stop. */
static void nap(ch_epochs *c, double until)
{
    double left = until - ch_now();
    if (left <= 0)
        return;
    struct timespec ts = ch_deadline(CLOCK_MONOTONIC, left);
    pthread_cond_timedwait(&c->wake, &c->mu, &ts);
}

static void *tick(void *arg)
{
    ch_epochs *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        uint32_t e = c->current;
        double now = ch_now(), next = c->began[e] + length_of(e);
        if (e < CH_MAX_EPOCH && now >= next) {
            c->began[e + 1] = now;
            __atomic_store_n(&c->current, ++e, __ATOMIC_RELEASE);
            next = now + length_of(e);
        }
        if (__atomic_load_n(&c->h->epoch, __ATOMIC_RELAXED) != e)
            __atomic_store_n(&c->h->epoch, e, __ATOMIC_RELAXED);
        nap(c, next < now + RECHECK ? next : now + RECHECK);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

ch_epochs *ch_epochs_start(ch_shm_header *h)
{
    ch_epochs *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->h = h;
    c->began[0] = ch_now();
    __atomic_store_n(&h->epoch, 0, __ATOMIC_RELAXED);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&c->mu, NULL);
    if (ch_start_quiet_thread(&c->thread, tick, c) == 0)
        return c;
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->mu);
    free(c);
    return NULL;
}

void ch_epochs_stop(ch_epochs *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int ch_epochs_ages(const ch_epochs *c, ch_profile *p)
{
    if (!c)
        return 0;
    uint32_t cur = __atomic_load_n(&c->current, __ATOMIC_ACQUIRE);
    double now = ch_now();
    double *age = malloc((cur + 1) * sizeof *age);
    if (!age)
        return -1;
    for (uint32_t e = 0; e <= cur; e++) {
        double end = e < cur ? c->began[e + 1] : now;
        double a = now - (c->began[e] + end) / 2;
        age[e] = a > 0 ? a : 0;
    }
    free(p->epoch_age);
    p->epoch_age = age;
    p->nepochs = cur + 1;
    return 0;
}
