/* /proc/PID/mem access and thread counting. */
#include "collect/procmem.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
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

int ch_thread_count(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}
