/*
 * Starting a helper thread in the CLI. The launcher forwards signals to the
 * target from handlers that must run on its main (tracing) thread, so a
 * helper is started with every signal blocked, and inherits that mask.
 */
#ifndef CGOHEAP_COMMON_QUIET_THREAD_H
#define CGOHEAP_COMMON_QUIET_THREAD_H

#include <pthread.h>
#include <signal.h>

/* pthread_create's result. */
static inline int ch_start_quiet_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

#endif
