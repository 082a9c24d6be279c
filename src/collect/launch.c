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
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHILD_STACK (64 * 1024) /* child_main needs a few hundred bytes */

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

/* NAME=VALUE, owned by the caller; NULL if out of memory. */
static char *env_entry(const char *name, const char *value)
{
    char *e = NULL;
    return asprintf(&e, "%s=%s", name, value) < 0 ? NULL : e;
}

/* Whether two NAME=VALUE entries name the same variable. */
static bool same_name(const char *a, const char *b)
{
    size_t n = strcspn(b, "=");
    return strncmp(a, b, n) == 0 && a[n] == '=';
}

/*
 * The program's environment: the launcher's, with each of set[] (NAME=VALUE)
 * replacing the variable of its name, or added at the end, as setenv in a
 * forked child did, made before the child exists. Its strings are the launcher's or
 * set[]'s; only the array is allocated.
 */
static char **child_env(char *const *set, size_t nset)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + nset + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t out = 0;
    bool placed[nset];
    memset(placed, 0, sizeof placed);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < nset && !same_name(environ[i], set[k]))
            k++;
        if (k == nset)
            env[out++] = environ[i];
        else if (!placed[k]) /* in the place of the first, as setenv; later ones go */
            placed[k] = true, env[out++] = set[k];
    }
    for (size_t k = 0; k < nset; k++)
        if (!placed[k])
            env[out++] = set[k];
    return env;
}

/* What the child needs until its exec, made by the launcher before the clone. */
struct ch_spawn {
    int go_rd, exec_wr; /* the child's ends */
    int go_wr, exec_rd; /* the launcher's, which the child closes */
    const char *path;
    char *const *argv;
    char **envp;    /* child_env, or the launcher's environ */
    char **sh_argv; /* "sh", path, argv[1...]: a script without #! */
    char *set[3];   /* the entries child_env added */
    sigset_t mask;  /* the program's signal mask (the launcher's own before it blocked them) */
    void *stack;
};

/*
 * The child's system calls, made directly: it runs on the launcher's memory
 * and thread pointer until its exec, so a libc wrapper's errno would be the
 * launcher's. Returns the kernel's value (-errno on failure).
 */
__attribute__((no_sanitize("address", "undefined"))) static long
child_syscall(long nr, long a, long b, long c, long d)
{
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return ret;
}

/*
 * The child: waits for the go-ahead (the launcher has seized it and written
 * its pid into the record), then execs. It shares the launcher's memory
 * (CLONE_VM), so it writes nothing but its own stack; whatever it reads was
 * made before the clone and stays until ch_child_close sees it gone.
 */
__attribute__((no_sanitize("address", "undefined"))) static int child_main(void *arg)
{
    const struct ch_spawn *sp = arg;
    /* Its copies of the launcher's ends: the go pipe must see EOF if the launcher dies. */
    child_syscall(SYS_close, sp->go_wr, 0, 0, 0);
    child_syscall(SYS_close, sp->exec_rd, 0, 0, 0);
    char byte;
    long got;
    while ((got = child_syscall(SYS_read, sp->go_rd, (long)&byte, 1, 0)) == -EINTR)
        ;
    if (got != 1) /* the launcher died before the go-ahead: run nothing untracked */
        child_syscall(SYS_exit, 127, 0, 0, 0);
    child_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&sp->mask, 0, _NSIG / 8);
    long e = child_syscall(SYS_execve, (long)sp->path, (long)sp->argv, (long)sp->envp, 0);
    if (e == -ENOEXEC) /* a script without #!: execvp hands it to sh */
        child_syscall(SYS_execve, (long)"/bin/sh", (long)sp->sh_argv, (long)sp->envp, 0);
    int err = (int)-e;
    child_syscall(SYS_write, sp->exec_wr, (long)&err, sizeof err, 0);
    child_syscall(SYS_exit, 127, 0, 0, 0);
    return 127;
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

/* Frees what the child read; only once it no longer runs in the launcher's memory. */
static void spawn_free(struct ch_spawn *sp)
{
    if (!sp)
        return;
    if (sp->stack)
        munmap(sp->stack, CHILD_STACK);
    if (sp->envp != environ)
        free(sp->envp);
    for (int i = 0; i < 3; i++)
        free(sp->set[i]);
    free(sp->sh_argv);
    free(sp);
}

/* Everything child_main reads: the environment (agent, record, --unwind) and sh's argv. */
static struct ch_spawn *spawn_prepare(const char *path, char *const *argv, const char *agent,
                                      int child_fd, const char *unwind)
{
    struct ch_spawn *sp = calloc(1, sizeof *sp);
    if (!sp)
        return NULL;
    sp->path = path;
    sp->argv = argv;
    sp->mask = ch_sigfwd_program_mask();
    size_t n = 0;
    while (argv[n])
        n++;
    if (!(sp->sh_argv = calloc(n + 2, sizeof *sp->sh_argv)))
        goto fail;
    sp->sh_argv[0] = (char *)"sh";
    sp->sh_argv[1] = (char *)path;
    memcpy(sp->sh_argv + 2, argv + 1, n * sizeof *argv); /* includes the NULL */
    sp->envp = environ;
    if (child_fd >= 0) { /* else the environment is left as it is */
        char fd[16], *preload = preload_value(agent);
        snprintf(fd, sizeof fd, "%d", child_fd);
        sp->set[0] = preload ? env_entry("LD_PRELOAD", preload) : NULL;
        sp->set[1] = env_entry(CH_ENV_SHM_FD, fd);
        sp->set[2] = unwind ? env_entry(CH_ENV_UNWIND, unwind) : NULL;
        free(preload);
        if (!sp->set[0] || !sp->set[1] || (unwind && !sp->set[2]) ||
            !(sp->envp = child_env(sp->set, unwind ? 3 : 2)))
            goto fail;
    }
    sp->stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sp->stack == MAP_FAILED) {
        sp->stack = NULL;
        goto fail;
    }
    return sp;
fail:
    spawn_free(sp);
    return NULL;
}

/*
 * The child shares the launcher's memory until its exec (CLONE_VM, as
 * posix_spawn does): a fork copied the launcher's page tables and then
 * copied each page either side wrote before the exec, 1.8 ms of the
 * launcher's CPU and more in the child (bench/RESULTS.md). Unlike
 * posix_spawn's, the launcher does not wait for the exec: it must seize the
 * child first, so the child runs on a stack of its own.
 */
int ch_child_spawn(ch_child *c, const char *path, char *const *argv, const char *agent, int shm_fd,
                   const char *unwind, char *err, size_t errlen)
{
    int go[2] = {-1, -1}, ex[2] = {-1, -1};
    int child_fd = shm_fd >= 0 ? target_fd(shm_fd) : -1;
    struct ch_spawn *sp = NULL;
    if ((shm_fd >= 0 && child_fd < 0) ||
        !(sp = spawn_prepare(path, argv, agent, child_fd, unwind)) || pipe2(go, O_CLOEXEC) != 0 ||
        pipe2(ex, O_CLOEXEC) != 0)
        goto fail;
    sp->go_rd = go[0];
    sp->exec_wr = ex[1];
    sp->go_wr = go[1];
    sp->exec_rd = ex[0];
    c->pid = clone(child_main, (char *)sp->stack + CHILD_STACK, CLONE_VM | SIGCHLD, sp);
    if (c->pid < 0)
        goto fail;
    c->spawn = sp;
    c->record_fd = child_fd;
    if (child_fd >= 0)
        close(child_fd);
    close(go[0]);
    close(ex[1]);
    c->go_fd = go[1];
    c->exec_fd = ex[0];
    fcntl(c->exec_fd, F_SETFL, O_NONBLOCK);
    return 0;
fail:
    snprintf(err, errlen, "cannot start %s: %s", argv[0], strerror(errno));
    for (int i = 0; i < 2; i++) {
        if (go[i] >= 0)
            close(go[i]);
        if (ex[i] >= 0)
            close(ex[i]);
    }
    spawn_free(sp);
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

/*
 * Whether the child is done with the launcher's memory: the exec pipe's
 * write end, the child's only one, closes at its exec or its exit. Reads
 * an errno left unread (ch_child_exec_errno has taken any it needed).
 */
static bool child_left(ch_child *c)
{
    char buf[16];
    ssize_t n;
    while ((n = read(c->exec_fd, buf, sizeof buf)) > 0)
        ;
    return n == 0;
}

void ch_child_close(ch_child *c)
{
    ch_child_go(c);
    if (c->exec_fd >= 0) {
        /* A child that never execs (stopped for good before it) keeps its stack: a leak, once. */
        if (child_left(c))
            spawn_free(c->spawn);
        c->spawn = NULL;
        close(c->exec_fd);
    }
    c->exec_fd = -1;
}
