#include "collect/goprefetch.h"
#include "common/quiet_thread.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ch_go_prefetch {
    pthread_t thread;
    bool joined;
    bool taken; /* its answer was asked for */
    char *path;
    /* Written by the thread, read after the join. */
    bool opened;
    struct stat st;
    int rc;
    ch_go_layout layout;
    char err[160];
};

static void *prefetch_main(void *arg)
{
    ch_go_prefetch *pf = arg;
    /*
     * Only on an idle CPU: the program being measured comes first. If it
     * keeps every CPU busy until its exit, the read finishes at the exit
     * stop, when the program is stopped: no later than without the thread.
     */
    struct sched_param idle = {0};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
    int fd = open(pf->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &pf->st) == 0) {
        pf->opened = true;
        pf->rc = ch_go_layout_read(fd, &pf->layout, pf->err, sizeof pf->err);
    }
    close(fd);
    return NULL;
}

ch_go_prefetch *ch_go_prefetch_start(const char *path)
{
    ch_go_prefetch *pf = calloc(1, sizeof *pf);
    if (!pf || !(pf->path = strdup(path))) {
        free(pf);
        return NULL;
    }
    if (ch_start_quiet_thread(&pf->thread, prefetch_main, pf) != 0) {
        free(pf->path);
        free(pf);
        return NULL;
    }
    return pf;
}

static void join(ch_go_prefetch *pf)
{
    if (!pf->joined)
        pthread_join(pf->thread, NULL);
    pf->joined = true;
}

int ch_go_prefetch_take(ch_go_prefetch *pf, int fd, ch_go_layout *out, char *err, size_t errlen)
{
    struct stat st;
    if (!pf || fstat(fd, &st) != 0)
        return 1;
    pf->taken = true;
    join(pf);
    if (!pf->opened || pf->st.st_dev != st.st_dev || pf->st.st_ino != st.st_ino ||
        pf->st.st_mtim.tv_sec != st.st_mtim.tv_sec || pf->st.st_mtim.tv_nsec != st.st_mtim.tv_nsec)
        return 1;
    *out = pf->layout;
    snprintf(err, errlen, "%s", pf->err);
    return pf->rc;
}

/* A prefetch nobody asked for is left to finish on its own (the process ends soon). */
static ch_go_prefetch *abandoned;

void ch_go_prefetch_free(ch_go_prefetch *pf)
{
    if (!pf)
        return;
    if (!pf->taken && !pf->joined && !abandoned && pthread_detach(pf->thread) == 0) {
        /* Still referenced from here: the thread writes to it until it ends. */
        abandoned = pf;
        return;
    }
    join(pf);
    free(pf->path);
    free(pf);
}
