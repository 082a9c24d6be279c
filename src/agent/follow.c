/*
 * Following child processes, agent side (include/cgoheap/follow.h).
 *
 * A process the launcher follows records into a record of its own, at the
 * descriptor number CGOHEAP_SHM_FD names, where the launcher finds it:
 *  - a program exec'd in a child (not the launcher's own program) finds
 *    another pid's record there and makes an empty one (follow_new_record),
 *    if the launcher traces it (else nobody would read it: a child of a
 *    skipped program, or of one the launcher released);
 *  - a child forked without exec inherits its parent's blocks, which it may
 *    still use and free: it gets a copy of the parent's record, made in
 *    the parent just before the fork (follow_fork_*), so that its report
 *    sees the same heap it does, as valgrind's does after a fork.
 * A skipped program (a compiler, an assembler) records nothing and keeps
 * no record, so that none of its own children is followed either.
 */
#include "agent/follow.h"
#include "agent/state.h"
#include "agent/thread.h"
#include "cgoheap/follow.h"
#include "common/shm_layout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The copy made for the child of the fork in progress, or -1. */
static int fork_copy = -1;

int ch_follow_on(void)
{
    return getenv(CH_ENV_CHILDREN) != NULL;
}

int ch_follow_skipped(void)
{
    const char *patterns = getenv(CH_ENV_CHILDREN_SKIP);
    char exe[4096];
    if (!patterns || !*patterns)
        return 0;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    return ch_skip_match(patterns, exe, program_invocation_name);
}

/* Puts `fd` at descriptor `at` (which may already hold something) and closes it. */
static int move_fd(int fd, int at)
{
    if (fd == at)
        return at;
    int rc = dup3(fd, at, 0);
    close(fd);
    return rc;
}

/* Whether the launcher (pid) traces this process: else nobody will read a record. */
static int traced_by(long launcher)
{
    char buf[2048];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = 0;
    const char *t = strstr(buf, "TracerPid:");
    return t && launcher > 0 && strtol(t + 10, NULL, 10) == launcher;
}

int ch_follow_new_record(int at)
{
    const char *v = getenv(CH_ENV_CHILDREN);
    char *end = NULL, *after_cap = NULL;
    unsigned long long rate = v ? strtoull(v, &end, 10) : 0;
    unsigned long cap = end && end != v ? strtoul(end, &after_cap, 10) : 0;
    long launcher = after_cap ? strtol(after_cap, NULL, 10) : 0;
    if (!cap || (cap & (cap - 1)) || cap > (1ul << CH_STACK_ID_BITS) || !traced_by(launcher))
        return -1;
    ch_shm shm;
    if (ch_shm_create(&shm, rate ? rate : 1, (uint32_t)cap))
        return -1;
    shm.hdr->target_pid = getpid();
    munmap(shm.hdr, shm.size); /* init.c maps it as it maps any record */
    return move_fd(shm.fd, at);
}

/* The record's pages that hold data, copied into a new memfd; -1 on failure. */
static int copy_record(void)
{
    struct stat st;
    if (ch_g.fd < 0 || fstat(ch_g.fd, &st) != 0 || (uint64_t)st.st_dev != ch_g.dev ||
        (uint64_t)st.st_ino != ch_g.ino)
        return -1; /* the program closed or reused the descriptor */
    int fd = memfd_create("cgoheap", 0);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)ch_g.size) != 0)
        goto fail;
    /* The file is sparse (gigabytes reserved): only its data is copied, from our mapping. */
    off_t off = 0, size = (off_t)ch_g.size;
    while (off < size) {
        off_t data = lseek(ch_g.fd, off, SEEK_DATA);
        if (data < 0)
            break; /* ENXIO: no data after off */
        off_t hole = lseek(ch_g.fd, data, SEEK_HOLE);
        if (hole < 0)
            hole = size;
        for (off_t at = data; at < hole;) {
            ssize_t w = pwrite(fd, ch_g.base + at, (size_t)(hole - at), at);
            if (w <= 0 && errno != EINTR)
                goto fail;
            at += w > 0 ? w : 0;
        }
        off = hole;
    }
    return fd;
fail:
    close(fd);
    return -1;
}

void ch_follow_fork_prepare(void)
{
    fork_copy = -1;
    /* A fork from a signal handler that interrupted the agent: the child stays passive. */
    if (!ch_follow_on() || __atomic_load_n(&ch_state, __ATOMIC_ACQUIRE) != CH_ST_ACTIVE ||
        ch_self.inside || (ch_g.hdr->options & (CH_OPT_RELEASED | CH_OPT_NO_CHILDREN)))
        return;
    uint32_t was_inside = ch_self.inside;
    ch_self.inside = 1;
    fork_copy = copy_record();
    ch_restore_inside(&ch_self, was_inside);
}

void ch_follow_fork_parent(void)
{
    if (fork_copy >= 0)
        close(fork_copy);
    fork_copy = -1;
}

/*
 * Locks other threads of the parent held while the copy was made: none of
 * them is in the child to release it. What they were writing then may be
 * half there (a limit for programs that fork while other threads allocate).
 */
static void release_copied_locks(ch_shm_header *h)
{
    for (uint32_t i = 0; i < CH_LIVE_SHARDS; i++)
        __atomic_store_n(&ch_g.shards[i].lock, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&h->stack_lock, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&h->module_lock, 0, __ATOMIC_RELEASE);
}

int ch_follow_fork_child(void)
{
    int fd = fork_copy;
    fork_copy = -1;
    if (fd < 0)
        return 0;
    /* Same address: every pointer into the record stays valid. */
    void *p = mmap(ch_g.hdr, ch_g.size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_NORESERVE | MAP_FIXED, fd, 0);
    struct stat st;
    if (p == MAP_FAILED || fstat(fd, &st) != 0 || move_fd(fd, ch_g.fd) != ch_g.fd)
        return 0; /* the caller drops whatever is mapped there now */
    ch_g.hdr->target_pid = getpid();
    ch_g.hdr->options &= ~CH_OPT_TOP;
    ch_g.pid = getpid();
    ch_g.dev = (uint64_t)st.st_dev;
    ch_g.ino = (uint64_t)st.st_ino;
    release_copied_locks(ch_g.hdr);
    return 1;
}
