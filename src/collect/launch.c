/*
 * Starting the target.
 *
 * The child blocks on a pipe until the parent has PTRACE_SEIZEd it and
 * written target_pid into the record: the agent must find its pid there from
 * its first allocation, and the tracer must be in place before the program
 * can run (or die). A second, close-on-exec pipe carries errno back if the
 * exec fails; the parent reads it without blocking only after the child
 * stopped at exit or died, so a child stopped by a signal before exec can
 * never deadlock the two.
 */
#include "collect/launch.h"
#include "cgoheap/shm.h"
#include "collect/sigforward.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* 0 if path is an executable regular file, else the errno execve would give. */
static int check_executable(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno;
    if (S_ISDIR(st.st_mode))
        return EISDIR;
    if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0)
        return EACCES;
    return 0;
}

static int search_path(const char *name, char *out, size_t outlen)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/bin:/usr/bin"; /* what execvp uses without PATH */
    int first_err = ENOENT;
    for (const char *dir = path;; dir++) {
        const char *colon = strchrnul(dir, ':');
        int dlen = (int)(colon - dir);
        /* An empty entry means the current directory, as for execvp. */
        if ((size_t)snprintf(out, outlen, "%.*s%s%s", dlen, dir, dlen ? "/" : "", name) < outlen) {
            int e = check_executable(out);
            if (!e)
                return 0;
            if (e != ENOENT && e != ENOTDIR && first_err == ENOENT)
                first_err = e; /* like execvp: report EACCES over ENOENT */
        }
        if (!*colon)
            return first_err;
        dir = colon;
    }
}

int ch_resolve_program(const char *argv0, char *out, size_t outlen, char *err, size_t errlen)
{
    int e;
    if (!argv0 || !*argv0)
        e = ENOENT;
    else if (strchr(argv0, '/'))
        e = snprintf(out, outlen, "%s", argv0) >= (int)outlen ? ENAMETOOLONG
                                                              : check_executable(out);
    else
        e = search_path(argv0, out, outlen);
    if (e)
        snprintf(err, errlen, "%s: %s", argv0 ? argv0 : "", strerror(e));
    return e ? -1 : 0;
}

/* "existing:agent": the user's own preloads keep their place and order. */
static char *preload_value(const char *agent)
{
    const char *old = getenv("LD_PRELOAD");
    char *v = NULL;
    if (old && *old)
        return asprintf(&v, "%s:%s", old, agent) < 0 ? NULL : v;
    return strdup(agent);
}

/* In the child: only async-signal-safe calls after the handshake, except
 * setenv, which is safe here because the launcher is single-threaded. */
static void child_main(int go_rd, int exec_wr, const char *path, char *const *argv,
                       const char *preload, const char *shm_fd, const char *unwind)
{
    char byte;
    ssize_t got;
    while ((got = read(go_rd, &byte, 1)) < 0 && errno == EINTR)
        ;
    if (got != 1) /* the launcher died before the go-ahead: run nothing untracked */
        _exit(127);
    close(go_rd);
    ch_sigfwd_child_reset();
    if (!preload ||
        (setenv("LD_PRELOAD", preload, 1) == 0 && setenv(CH_ENV_SHM_FD, shm_fd, 1) == 0 &&
         (!unwind || setenv(CH_ENV_UNWIND, unwind, 1) == 0))) {
        execv(path, argv);
        if (errno == ENOEXEC) { /* a script without #!: execvp hands it to sh */
            char *const *a = argv;
            size_t n = 0;
            while (a[n])
                n++;
            char *sh_argv[n + 2];
            sh_argv[0] = (char *)"sh";
            sh_argv[1] = (char *)path;
            memcpy(sh_argv + 2, argv + 1, n * sizeof *argv); /* includes the NULL */
            execv("/bin/sh", sh_argv);
            errno = ENOEXEC;
        }
    }
    int e = errno;
    ssize_t unused = write(exec_wr, &e, sizeof e);
    (void)unused;
    _exit(127);
}

/*
 * The target gets its own copy of the record's descriptor at a high number,
 * out of the way of the program's own descriptors (valgrind does the same),
 * and not close-on-exec: when the program execs another image in the same
 * process (a wrapper script, env(1)), the new image's agent attaches to the
 * same record. The launcher's own descriptor stays out of the target.
 */
static int target_fd(int shm_fd)
{
    struct rlimit rl;
    long want = 1000;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (long)rl.rlim_cur - 16 < want)
        want = (long)rl.rlim_cur - 16;
    if (want < 3)
        want = 3;
    if (fcntl(shm_fd, F_SETFD, FD_CLOEXEC) != 0)
        return -1;
    return fcntl(shm_fd, F_DUPFD, (int)want);
}

int ch_child_spawn(ch_child *c, const char *path, char *const *argv, const char *agent, int shm_fd,
                   const char *unwind, char *err, size_t errlen)
{
    int go[2], ex[2];
    char fdstr[16];
    int child_fd = shm_fd >= 0 ? target_fd(shm_fd) : -1;
    if (shm_fd >= 0 && child_fd < 0) {
        snprintf(err, errlen, "cannot start %s: %s", argv[0], strerror(errno));
        return -1;
    }
    snprintf(fdstr, sizeof fdstr, "%d", child_fd);
    c->record_fd = child_fd;
    char *preload = shm_fd >= 0 ? preload_value(agent) : NULL;
    if ((shm_fd >= 0 && !preload) || pipe2(go, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot start %s: %s", argv[0], strerror(errno));
        free(preload);
        close(child_fd);
        return -1;
    }
    if (pipe2(ex, O_CLOEXEC) != 0)
        goto fail_go;
    c->pid = fork();
    if (c->pid < 0)
        goto fail_ex;
    if (c->pid == 0) {
        close(go[1]);
        close(ex[0]);
        child_main(go[0], ex[1], path, argv, preload, fdstr, unwind);
    }
    free(preload);
    if (child_fd >= 0)
        close(child_fd);
    close(go[0]);
    close(ex[1]);
    c->go_fd = go[1];
    c->exec_fd = ex[0];
    fcntl(c->exec_fd, F_SETFL, O_NONBLOCK);
    return 0;
fail_ex:
    snprintf(err, errlen, "cannot start %s: %s", argv[0], strerror(errno));
    close(ex[0]);
    close(ex[1]);
    goto close_go;
fail_go:
    snprintf(err, errlen, "cannot start %s: %s", argv[0], strerror(errno));
close_go:
    close(go[0]);
    close(go[1]);
    free(preload);
    if (child_fd >= 0)
        close(child_fd);
    return -1;
}

void ch_child_go(ch_child *c)
{
    if (c->go_fd >= 0) {
        ssize_t unused = write(c->go_fd, "g", 1);
        (void)unused;
        close(c->go_fd);
        c->go_fd = -1;
    }
}

int ch_child_exec_errno(ch_child *c)
{
    int e = 0;
    if (c->exec_fd >= 0 && read(c->exec_fd, &e, sizeof e) != (ssize_t)sizeof e)
        e = 0;
    return e;
}

void ch_child_close(ch_child *c)
{
    ch_child_go(c);
    if (c->exec_fd >= 0)
        close(c->exec_fd);
    c->exec_fd = -1;
}
