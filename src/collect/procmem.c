/* /proc/PID/mem access and the target's threads. */
#include "collect/procmem.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
