/*
 * The processes the launcher traces (tprocs.h). Few processes live at once
 * (a build's steps, a shell's pipeline), so they are kept in an array; so
 * are the other threads: known from their creator's clone event, or
 * looked up once in /proc when their own first stop comes first. Without
 * children followed every thread is the program's: no lookup at all.
 */
#include "collect/tprocs.h"
#include "collect/procmem.h"
#include "common/grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ch_tproc *ch_tprocs_add(ch_tprocs *t, pid_t pid)
{
    if (t->n == t->cap) {
        ch_tproc **v = ch_grow(t->v, &t->cap, sizeof *v, 8);
        if (!v)
            return NULL;
        t->v = v;
    }
    ch_tproc *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->pid = pid;
    t->v[t->n++] = p;
    return p;
}

ch_tproc *ch_tprocs_find(const ch_tprocs *t, pid_t pid)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i]->pid == pid)
            return t->v[i];
    return NULL;
}

static int remember(ch_tprocs *t, pid_t tid, ch_tproc *p)
{
    if (t->ntids == t->tids_cap) {
        ch_tid_of *v = ch_grow(t->tids, &t->tids_cap, sizeof *v, 16);
        if (!v)
            return -1;
        t->tids = v;
    }
    t->tids[t->ntids++] = (ch_tid_of){tid, p};
    return 0;
}

ch_tproc *ch_tprocs_of(ch_tprocs *t, pid_t tid)
{
    ch_tproc *p = ch_tprocs_find(t, tid);
    if (p)
        return p;
    if (!t->follow)
        return t->n ? t->v[0] : NULL;
    for (size_t i = 0; i < t->ntids; i++)
        if (t->tids[i].tid == tid)
            return t->tids[i].proc;
    pid_t tgid = (pid_t)ch_status_field(tid, "Tgid");
    if (!tgid)
        return NULL;
    if (tgid == tid)
        return ch_tprocs_add(t, tid);
    p = ch_tprocs_find(t, tgid);
    if (!p && !(p = ch_tprocs_add(t, tgid)))
        return NULL;
    return remember(t, tid, p) ? NULL : p;
}

void ch_tprocs_thread(ch_tprocs *t, pid_t tid, ch_tproc *p)
{
    if (!t->follow || ch_tprocs_find(t, tid))
        return;
    for (size_t i = 0; i < t->ntids; i++)
        if (t->tids[i].tid == tid)
            return;
    remember(t, tid, p);
}

void ch_tprocs_gone(ch_tprocs *t, pid_t tid)
{
    for (size_t i = 0; i < t->ntids; i++)
        if (t->tids[i].tid == tid) {
            t->tids[i] = t->tids[--t->ntids];
            return;
        }
    for (size_t i = 1; i < t->n; i++) /* the program itself stays: its end is the run's */
        if (t->v[i]->pid == tid) {
            ch_tproc *p = t->v[i];
            for (size_t k = 0; k < t->ntids;)
                if (t->tids[k].proc == p)
                    t->tids[k] = t->tids[--t->ntids];
                else
                    k++;
            free(p->held);
            free(p);
            memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
            t->n--;
            return;
        }
}

void ch_tprocs_free(ch_tprocs *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i]->held);
        free(t->v[i]);
    }
    free(t->v);
    free(t->tids);
    memset(t, 0, sizeof *t);
}
