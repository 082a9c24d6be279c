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

/* Reads a line of a known length (a line of the program's own file would
 * make the buffer's size depend on where the binary was built). */
static void lose_line(void)
{
    FILE *f = tmpfile();
    char *line = NULL;
    size_t cap = 0;
    if (!f || fputs("a line of known length\n", f) < 0 || fseek(f, 0, SEEK_SET))
        exit(2);
    if (getline(&line, &cap, f) < 0) /* LEAK-getline */
        exit(2);
    fclose(f);
    line = NULL; /* dropped */
}

int main(void)
{
    printf("stdout is buffered\n");
    FILE *w = tmpfile();
    if (!w || fwprintf(w, L"wide %d\n", 1) < 0)
        return 2;
    kept = w;
    kept = NULL; /* left open: on glibc's list of open files */
    lose_line();
    return 0;
}
