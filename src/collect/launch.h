/* Starting the target: PATH lookup, a child sharing the launcher's memory, the go-ahead
 * handshake, exec. */
#ifndef CGOHEAP_LAUNCH_H
#define CGOHEAP_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Finds argv0 like execvp does (a name with a '/' is used as is, else each
 * PATH entry is tried). Returns 0 with the path in out, or -1 with a one-line
 * error ("PROGRAM: No such file or directory").
 */
int ch_resolve_program(const char *argv0, char *out, size_t outlen, char *err, size_t errlen);

typedef struct ch_child {
    pid_t pid;
    struct ch_spawn *spawn; /* what the child reads until its exec (launch.c) */
    int go_fd;              /* write end: the child execs once it is closed */
    int exec_fd;            /* read end, O_NONBLOCK: an errno here means exec failed */
    int record_fd;          /* CGOHEAP_SHM_FD: the record's descriptor number in the program */
} ch_child;

/*
 * Starts a child that waits for ch_child_go() and then execs argv with the
 * agent appended to LD_PRELOAD, CGOHEAP_SHM_FD=shm_fd and, if not NULL,
 * CGOHEAP_UNWIND=unwind: what the agent must see, and nothing else of the
 * launcher's options; with shm_fd < 0 (no record), with its environment
 * untouched. stdin, stdout and stderr are left alone. Returns 0, or -1 with
 * a one-line error.
 */
int ch_child_spawn(ch_child *c, const char *path, char *const *argv, const char *agent, int shm_fd,
                   const char *unwind, char *err, size_t errlen);

/* Lets the child exec. */
void ch_child_go(ch_child *c);

/* After the child stopped at exit or died: 0 if exec succeeded, else its errno. */
int ch_child_exec_errno(ch_child *c);

void ch_child_close(ch_child *c);

#endif
