/*
 * A child made with the raw clone system call (no CLONE_VM, not glibc's
 * fork: no fork handlers run) frees the parent's leaked block in its copy
 * of the address space and leaks a block of its own. Only the parent's leak
 * belongs in the report of the parent.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *parent_block, *child_block;

static void *leak_parent(void)
{
    return malloc(111); /* LEAK-parent */
}

static void *leak_child(void)
{
    return malloc(222); /* LEAK-child */
}

int main(void)
{
    parent_block = leak_parent();
    long pid = syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0) {
        perror("clone");
        return 1;
    }
    if (pid == 0) {
        free(parent_block);
        for (int i = 0; i < 1000; i++)
            free(malloc(48));
        child_block = leak_child();
        child_block = NULL;
        syscall(SYS_exit_group, 0);
    }
    int status;
    waitpid((pid_t)pid, &status, 0);
    parent_block = NULL;
    printf("child %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "failed");
    return 0;
}
