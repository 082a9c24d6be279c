/*
 * Double-forks a daemon that sleeps (argv[2] seconds) after writing its
 * pid to the file argv[1]; the program itself leaks a block and returns.
 * Without arguments it only leaks (the native corpus runs it so).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void *keep;

int main(int argc, char **argv)
{
    keep = malloc(123);
    keep = NULL;
    if (argc < 3)
        return 0;
    pid_t child = fork();
    if (child == 0) {
        setsid();
        if (fork() == 0) {
            FILE *f = fopen(argv[1], "w");
            fprintf(f, "%d\n", (int)getpid());
            fclose(f);
            for (int fd = 0; fd < 3; fd++)
                close(fd);
            sleep((unsigned)atoi(argv[2]));
            _exit(0);
        }
        _exit(0);
    }
    waitpid(child, NULL, 0);
    return 0;
}
