/* The queue of live leak checks (live_stop.h). */
#include "collect/live_stop.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ch_live_stop {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    pid_t tracer; /* the thread woken for a request */
    bool busy;    /* a check is posted or running: the next asker waits */
    ch_live_check *posted;
    bool taken, done;
    int rc;
    char refused[200]; /* non-empty: every check fails with this */
};

ch_live_stop *ch_live_stop_new(void)
{
    ch_live_stop *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->changed, NULL);
    q->tracer = (pid_t)syscall(SYS_gettid);
    return q;
}

void ch_live_stop_free(ch_live_stop *q)
{
    if (!q)
        return;
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

int ch_live_stop_run(ch_live_stop *q, ch_live_check *c)
{
    pthread_mutex_lock(&q->mu);
    while (q->busy && !q->refused[0])
        pthread_cond_wait(&q->changed, &q->mu);
    if (q->refused[0]) {
        snprintf(c->err, sizeof c->err, "%s", q->refused);
        pthread_mutex_unlock(&q->mu);
        return -1;
    }
    q->busy = true;
    q->posted = c;
    q->taken = q->done = false;
    /* SIGCHLD is blocked in every launcher thread and taken by the tracer's sigtimedwait. */
    syscall(SYS_tgkill, getpid(), q->tracer, SIGCHLD);
    while (!q->done && !(q->refused[0] && !q->taken))
        pthread_cond_wait(&q->changed, &q->mu);
    int rc = q->done ? q->rc : -1;
    if (!q->done)
        snprintf(c->err, sizeof c->err, "%s", q->refused);
    q->posted = NULL;
    q->busy = false;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

ch_live_check *ch_live_stop_take(ch_live_stop *q)
{
    if (!q)
        return NULL;
    pthread_mutex_lock(&q->mu);
    ch_live_check *c = q->posted && !q->taken && !q->refused[0] ? q->posted : NULL;
    if (c)
        q->taken = true; /* until the next post: the asker may not have seen done yet */
    pthread_mutex_unlock(&q->mu);
    return c;
}

void ch_live_stop_done(ch_live_stop *q, ch_live_check *c, int rc)
{
    (void)c;
    pthread_mutex_lock(&q->mu);
    q->rc = rc;
    q->done = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
}

void ch_live_stop_refuse(ch_live_stop *q, const char *why)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    if (!q->refused[0])
        snprintf(q->refused, sizeof q->refused, "%s", why);
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
}
