/*
 * A cat-like filter: copies stdin to stdout with read/write (no stdio
 * buffer that would show as still reachable) and exits with the status
 * given as argv[1], so stdin, stdout and the exit status can be checked.
 */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        if (write(1, buf, (size_t)n) != n)
            return 1;
    }
    return argc > 1 ? atoi(argv[1]) : 0;
}
