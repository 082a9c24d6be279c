/*
 * The record's descriptor and the programs this process starts.
 *
 * The descriptor stays open across this process's own exec (a wrapper, a
 * shell's exec: the new image records into the same record). A program
 * started in a child that shares this process's memory until its exec
 * (vfork, posix_spawn) runs no fork handler, and one that loads no agent
 * (a static daemon) would keep the descriptor for as long as it lives. So:
 *  - the exec family, called in a process that does not own the record (a
 *    vfork child: another pid), marks the descriptor close-on-exec first;
 *  - posix_spawn and posix_spawnp mark it close-on-exec for the call (the
 *    child's exec has happened when they return), then clear the flag.
 * Programs that exec through the system call itself (Go's os/exec) still
 * get the descriptor: a dynamic image's agent drops it, a static image
 * keeps it, emptied when cgoheap ends (design.md).
 *
 * Everything here is async-signal-safe (fstat, fcntl, getpid): a vfork
 * child shares the parent's memory and must not allocate. glibc's
 * functions are looked up in the constructor (ch_spawn_setup), never in
 * such a child.
 */
#include "agent/spawn.h"
#include "agent/agent.h"
#include "agent/thread.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[], char *const[]);

static struct {
    execvpe_fn execvpe;
    fexecve_fn fexecve;
    spawn_fn spawn, spawnp;
} real;

static uint32_t spawning; /* posix_spawn calls in progress in this process */

static void *next_fn(const char *name)
{
    ch_thread *t = &ch_self;
    uint32_t was_inside = t->inside;
    t->inside = 1; /* dlsym may allocate (its error buffer) */
    void *f = dlsym(RTLD_NEXT, name);
    ch_restore_inside(t, was_inside);
    return f;
}

void ch_spawn_setup(void)
{
    real.execvpe = (execvpe_fn)next_fn("execvpe");
    real.fexecve = (fexecve_fn)next_fn("fexecve");
    real.spawn = (spawn_fn)next_fn("posix_spawn");
    real.spawnp = (spawn_fn)next_fn("posix_spawnp");
}

/* The record's descriptor, if it is still ours (the program may reuse the number); else -1. */
static int record_fd(void)
{
    struct stat st;
    int fd = ch_g.fd;
    if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_dev != ch_g.dev ||
        (uint64_t)st.st_ino != ch_g.ino)
        return -1;
    return fd;
}

static void set_cloexec(int fd, int on)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

/* Before an exec: a process that does not own the record passes it on to no image. */
static void before_exec(void)
{
    int saved_errno = errno;
    int fd = ch_g.pid != (int)syscall(SYS_getpid) ? record_fd() : -1;
    if (fd >= 0)
        set_cloexec(fd, 1);
    errno = saved_errno;
}

CH_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    before_exec();
    return (int)syscall(SYS_execve, path, argv, envp); /* what glibc's execve is */
}

CH_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
                       int flags)
{
    before_exec();
    return (int)syscall(SYS_execveat, dirfd, path, argv, envp, flags);
}

CH_EXPORT int execv(const char *path, char *const argv[])
{
    return execve(path, argv, environ);
}

CH_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    before_exec();
    if (!real.execvpe)
        ch_spawn_setup(); /* an exec before the constructor: not in a vfork child */
    if (!real.execvpe) {
        errno = ENOSYS;
        return -1;
    }
    return real.execvpe(file, argv, envp);
}

CH_EXPORT int execvp(const char *file, char *const argv[])
{
    return execvpe(file, argv, environ);
}

CH_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    before_exec();
    if (!real.fexecve)
        ch_spawn_setup();
    if (!real.fexecve) {
        errno = ENOSYS;
        return -1;
    }
    return real.fexecve(fd, argv, envp);
}

/* The arguments of an execl-family call after `arg`, up to the NULL. */
static size_t count_args(const char *arg, va_list ap)
{
    size_t n = 1;
    va_list c;
    va_copy(c, ap);
    if (arg)
        while (va_arg(c, const char *))
            n++;
    va_end(c);
    return n;
}

/* Fills argv (n + 1 entries) from arg and ap; leaves ap after the NULL. */
static void take_args(char **argv, size_t n, const char *arg, va_list *ap)
{
    argv[0] = (char *)arg;
    for (size_t i = 1; i < n; i++)
        argv[i] = va_arg(*ap, char *);
    if (arg)
        (void)va_arg(*ap, char *); /* the NULL */
    argv[n] = NULL;
}

/*
 * Declares argv (on the stack: no allocation in a vfork child) from the
 * arguments of an execl-family call after `arg`; leaves ap after the NULL.
 */
#define EXECL_ARGV(arg, ap, argv)                                                                  \
    va_list ap;                                                                                    \
    va_start(ap, arg);                                                                             \
    size_t argv##_n = count_args(arg, ap);                                                         \
    char *argv[argv##_n + 1];                                                                      \
    take_args(argv, argv##_n, arg, &ap)

CH_EXPORT int execl(const char *path, const char *arg, ...)
{
    EXECL_ARGV(arg, ap, argv);
    va_end(ap);
    return execve(path, argv, environ);
}

CH_EXPORT int execlp(const char *file, const char *arg, ...)
{
    EXECL_ARGV(arg, ap, argv);
    va_end(ap);
    return execvpe(file, argv, environ);
}

CH_EXPORT int execle(const char *path, const char *arg, ...)
{
    EXECL_ARGV(arg, ap, argv);
    char *const *envp = va_arg(ap, char *const *);
    va_end(ap);
    return execve(path, argv, envp);
}

/*
 * The flag is set for the call and cleared by the last call in progress,
 * so that this process's own exec passes the descriptor on again. A spawn
 * that starts just as another clears the flag may let its child have the
 * descriptor (as before; its agent drops it, a static image keeps it).
 */
static int spawn_with(spawn_fn fn, pid_t *pid, const char *path,
                      const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
                      char *const argv[], char *const envp[])
{
    if (!fn)
        return ENOSYS; /* the caller looked it up again */
    int fd = record_fd();
    if (fd < 0)
        return fn(pid, path, fa, at, argv, envp);
    __atomic_fetch_add(&spawning, 1, __ATOMIC_ACQ_REL);
    set_cloexec(fd, 1);
    int rc = fn(pid, path, fa, at, argv, envp);
    int saved_errno = errno;
    if (__atomic_sub_fetch(&spawning, 1, __ATOMIC_ACQ_REL) == 0)
        set_cloexec(fd, 0);
    errno = saved_errno;
    return rc;
}

CH_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                          const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{
    if (!real.spawn)
        ch_spawn_setup();
    return spawn_with(real.spawn, pid, path, fa, at, argv, envp);
}

CH_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                           const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{
    if (!real.spawnp)
        ch_spawn_setup();
    return spawn_with(real.spawnp, pid, file, fa, at, argv, envp);
}
