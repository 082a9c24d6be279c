/*
 * Followed child processes, launcher side (children.h). Each child's agent
 * makes its own record at the descriptor number the program got; the
 * launcher opens it at the child's exit stop through /proc/PID/fd, while
 * the child is held and its descriptors still open.
 */
#include "collect/children.h"
#include "cgoheap/follow.h"
#include "collect/procmem.h"
#include "common/grow.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The largest record ch_shm_create makes is about 21 GiB; anything far larger is not one. */
#define MAX_RECORD (1ull << 40)

int ch_child_record_open(pid_t pid, int num, ch_shm *shm, char *why, size_t len)
{
    char path[64], link[128];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, num);
    ssize_t n = readlink(path, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    if (strncmp(link, "/memfd:cgoheap", 14) != 0) {
        snprintf(why, len, "no record of its own (the agent did not attach)");
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size < (off_t)sizeof(ch_shm_header) || (uint64_t)st.st_size > MAX_RECORD) {
        snprintf(why, len, "its record cannot be read: %s", fd < 0 ? strerror(errno) : "not one");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_NORESERVE, fd, 0);
    const char *bad = p == MAP_FAILED ? strerror(errno) : ch_shm_validate(p, (size_t)st.st_size);
    if (!bad && ((const ch_shm_header *)p)->target_pid != pid)
        bad = "the record is another process's";
    if (bad) {
        snprintf(why, len, "its record cannot be read: %s", bad);
        if (p != MAP_FAILED)
            munmap(p, (size_t)st.st_size);
        close(fd);
        return -1;
    }
    shm->fd = fd;
    shm->hdr = p;
    shm->size = (size_t)st.st_size;
    ch_shm_layout_get(&shm->layout, p);
    return 0;
}

void ch_child_release(pid_t pid, int num)
{
    char path[64], link[128];
    struct stat st;
    ch_shm_header h;
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, num);
    ssize_t n = readlink(path, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    if (strncmp(link, "/memfd:cgoheap", 14) != 0)
        return;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && pread(fd, &h, sizeof h, 0) == sizeof h &&
        h.magic == CH_SHM_MAGIC && h.target_pid == pid) {
        uint32_t options = h.options | CH_OPT_RELEASED;
        ssize_t w = pwrite(fd, &options, sizeof options, offsetof(ch_shm_header, options));
        (void)w; /* best effort: the child then records on, for nobody */
    }
    close(fd);
}

/* /proc/PID/cmdline as a NUL-separated buffer; its length in *n. */
static char *read_cmdline(pid_t pid, size_t *n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t cap = 0;
    *n = 0;
    while (f) {
        char *grown = ch_grow(buf, &cap, 1, 4096);
        if (!grown)
            break;
        buf = grown;
        *n += fread(buf + *n, 1, cap - *n, f);
        if (*n < cap)
            break;
    }
    if (f)
        fclose(f);
    return buf;
}

bool ch_child_skipped(pid_t pid, const char *skip)
{
    char path[64], exe[4096];
    size_t n;
    if (!skip || !*skip)
        return false;
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t len = readlink(path, exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = 0;
    char *cmd = read_cmdline(pid, &n);
    bool skipped = ch_skip_match(skip, exe, cmd && n ? cmd : NULL);
    free(cmd);
    return skipped;
}

void ch_child_info_read(pid_t pid, ch_proc_info *info)
{
    size_t n;
    info->pid = pid;
    info->ppid = (int)ch_status_field(pid, "PPid");
    info->argv = NULL;
    char *cmd = read_cmdline(pid, &n);
    if (!cmd || !n) {
        free(cmd);
        return;
    }
    size_t argc = 0;
    for (size_t i = 0; i < n; i++)
        argc += cmd[i] == 0;
    if (cmd[n - 1] != 0)
        argc++;
    /* One allocation: the pointers, then the strings. */
    char **argv = malloc((argc + 1) * sizeof *argv + n + 1);
    if (!argv) {
        free(cmd);
        return;
    }
    char *strs = (char *)(argv + argc + 1);
    memcpy(strs, cmd, n);
    strs[n] = 0;
    free(cmd);
    size_t k = 0;
    for (size_t i = 0; i < n && k < argc; i += strlen(strs + i) + 1)
        argv[k++] = strs + i;
    argv[k] = NULL;
    info->argv = argv;
}

int ch_children_env(const ch_run_opts *o, uint64_t sample_rate, uint32_t stack_cap)
{
    char v[64];
    if (!o->follow)
        return unsetenv(CH_ENV_CHILDREN) || unsetenv(CH_ENV_CHILDREN_SKIP) ? -1 : 0;
    snprintf(v, sizeof v, "%llu %u %d", (unsigned long long)sample_rate, stack_cap, (int)getpid());
    return setenv(CH_ENV_CHILDREN, v, 1) || setenv(CH_ENV_CHILDREN_SKIP, o->skip ? o->skip : "", 1)
               ? -1
               : 0;
}
