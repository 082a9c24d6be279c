/*
 * stdio's own buffers against a user's leaks through stdio. stdout, a
 * wide-oriented stream and a file left open get their buffers from glibc
 * (freed by __libc_freeres under valgrind); the FILE left open stays on
 * glibc's list of open files (still reachable, for valgrind too), and the
 * line getline() allocated is the user's to free: dropped, it is
 * definitely lost.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

static FILE *volatile kept;

static void lose_line(const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    if (!f || getline(&line, &cap, f) < 0) /* LEAK-getline */
        exit(2);
    fclose(f);
    line = NULL; /* dropped */
}

int main(int argc, char **argv)
{
    (void)argc;
    printf("stdout is buffered\n");
    FILE *w = tmpfile();
    if (!w || fwprintf(w, L"wide %d\n", 1) < 0)
        return 2;
    kept = w;
    kept = NULL; /* left open: on glibc's list of open files */
    lose_line(argv[0]);
    return 0;
}
