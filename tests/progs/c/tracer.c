/*
 * Prints the TracerPid of its main thread and of a second thread, as
 * "main=0|1 thread=0|1" (1: traced), read from /proc/self/task/TID/status.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int traced(long tid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/task/%ld/status", tid);
    FILE *f = fopen(path, "r");
    int pid = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "TracerPid:", 10))
            pid = atoi(line + 10);
    if (f)
        fclose(f);
    return pid > 0;
}

static void *second(void *out)
{
    *(int *)out = traced(syscall(SYS_gettid));
    return NULL;
}

int main(void)
{
    int t = -1;
    pthread_t th;
    if (pthread_create(&th, NULL, second, &t) || pthread_join(th, NULL))
        return 1;
    printf("main=%d thread=%d\n", traced(syscall(SYS_gettid)), t);
    return 0;
}
