/* /proc/PID/mem access and the target's threads. */
#include "collect/procmem.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

long ch_procmem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    int fd = *(int *)ctx;
    size_t done = 0;
    if (addr > (uint64_t)INT64_MAX - len)
        return -1; /* beyond what an off_t can address: not user memory */
    /* pread stops at the first unreadable page; a short count is a hole. */
    while (done < len) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(addr + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    return done ? (long)done : -1;
}

long ch_procmem_read_vm(void *ctx, uint64_t addr, void *buf, size_t len)
{
    ch_procmem *m = ctx;
    ssize_t got = -1;
    if (!m->no_vm && len) {
        struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
        got = process_vm_readv(m->pid, &local, 1, &remote, 1, 0);
        if (got == (ssize_t)len)
            return (long)got;
        if (got < 0 && errno != EFAULT)
            m->no_vm = true; /* no permission, no such call: never again */
    }
    size_t done = got > 0 ? (size_t)got : 0;
    long rest = ch_procmem_read(&m->fd, addr + done, (char *)buf + done, len - done);
    return rest > 0 ? (long)(done + (size_t)rest) : done ? (long)done : -1;
}

/* The kernel's limit on iovecs per call (UIO_MAXIOV). */
#define BATCH 1024

/* Requests [0, n) with one process_vm_readv; marks the ones read whole and
 * returns how many lead the batch that way (it stops at the first hole),
 * or -1 if the call is refused. */
static long read_batch(pid_t pid, ch_read_req *reqs, size_t n)
{
    struct iovec local[BATCH] = {{0}}, remote[BATCH] = {{0}}; /* (for -Wmaybe-uninitialized) */
    for (size_t i = 0; i < n; i++) {
        local[i] = (struct iovec){reqs[i].buf, reqs[i].len};
        remote[i] = (struct iovec){(void *)(uintptr_t)reqs[i].addr, reqs[i].len};
    }
    ssize_t got = process_vm_readv(pid, local, n, remote, n, 0);
    if (got < 0 && errno != EFAULT)
        return -1;
    size_t i = 0;
    for (uint64_t done = 0; got > 0 && i < n && done + reqs[i].len <= (uint64_t)got; i++) {
        done += reqs[i].len;
        reqs[i].ok = true;
    }
    return (long)i;
}

/*
 * On a Go heap of 8.1M 128-byte objects (127k spans), reading the spans'
 * bits this way took 172 ms of system time instead of 220 with one pread
 * each (goheap_read.c); the rest is the kernel's cost per page.
 */
void ch_procmem_read_many(pid_t pid, long (*read)(void *, uint64_t, void *, size_t), void *ctx,
                          ch_read_req *reqs, size_t n)
{
    bool batch = pid > 0;
    for (size_t i = 0; i < n;) {
        size_t k = n - i < BATCH ? n - i : BATCH;
        long done = batch ? read_batch(pid, reqs + i, k) : 0;
        if (done < 0) {
            batch = false; /* refused (no permission, no such call): one by one */
            done = 0;
        }
        i += (size_t)done;
        if ((size_t)done < k) { /* a hole, or no batching: this one alone */
            reqs[i].ok = read(ctx, reqs[i].addr, reqs[i].buf, reqs[i].len) == (long)reqs[i].len;
            i++;
        }
    }
}

/* Lists the thread ids of pid into tids (at most max); returns how many, or -1. */
int ch_thread_list(pid_t pid, pid_t *tids, int max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max)
        if (e->d_name[0] != '.')
            tids[n++] = (pid_t)atoi(e->d_name);
    closedir(d);
    return n;
}

/* The third field of /proc/PID/task/TID/stat (after the parenthesised
 * name, which may itself hold spaces and parentheses: search from the last
 * ')'). */
long ch_status_field(pid_t pid, const char *name)
{
    char path[64], line[256];
    size_t len = strlen(name);
    long v = 0;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, name, len) && line[len] == ':') {
            v = strtol(line + len + 1, NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

char ch_thread_state(pid_t pid, pid_t tid)
{
    char path[80], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *close_paren = strrchr(buf, ')');
    return close_paren && close_paren[1] == ' ' ? close_paren[2] : 0;
}

long ch_thread_syscall(pid_t pid, pid_t tid)
{
    char path[80];
    long nr = -1;
    snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld", &nr) != 1) /* "running": not blocked in a syscall */
        nr = -1;
    fclose(f);
    return nr;
}
