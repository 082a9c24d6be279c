/*
 * Root regions from a synthetic smaps file: how stacks are cut at the
 * stack pointers of the threads stopped at exit. Prints one line per case;
 * exits non-zero on failure. Usage: roots_test DIR (for the temporary file).
 */
#include "cgoheap/shm.h"
#include "collect/roots.h"

#include <stdio.h>
#include <stdlib.h>

#include "check.h"

/* A guard page, a thread stack above it, an anonymous mapping with no
 * guard below it, and the main stack. Every rw mapping has resident pages. */
static const char smaps[] = "7f0000000000-7f0000001000 ---p 00000000 00:00 0\n"
                            "Rss: 0 kB\n"
                            "7f0000001000-7f0000801000 rw-p 00000000 00:00 0\n"
                            "Rss: 16 kB\n"
                            "7f0000900000-7f0000a00000 rw-p 00000000 00:00 0\n"
                            "Rss: 16 kB\n"
                            "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n"
                            "Rss: 8 kB\n";

static ch_region *roots_for(const char *path, const ch_thread_sp *t, size_t nt, size_t *n)
{
    ch_roots_ctx c = {.main_sp = 0x7ffd00010000ull, .threads = t, .nthreads = nt};
    return ch_roots_from_smaps(path, &c, n, NULL, NULL);
}

int main(int argc, char **argv)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/smaps", argc > 1 ? argv[1] : ".");
    FILE *f = fopen(path, "w");
    if (!f || fputs(smaps, f) < 0 || fclose(f))
        return perror(path), 2;
    size_t n = 0;
    /* The thread's TLS at the top of its guarded mapping: cut at its SP. */
    ch_thread_sp on_stack = {.sp = 0x7f0000700000ull, .tls = 0x7f00008006c0ull};
    ch_region *r = roots_for(path, &on_stack, 1, &n);
    CHECK(r && n == 3);
    CHECK(r && n == 3 && r[0].start == on_stack.sp && r[0].end == 0x7f0000801000ull);
    CHECK(r && n == 3 && r[2].start == 0x7ffd00010000ull); /* main [stack] from main_sp */
    free(r);
    /* No guard below, or the TLS elsewhere: only down to the 2 KiB boundary. */
    ch_thread_sp unguarded = {.sp = 0x7f0000950100ull, .tls = 0x7f00009ff000ull};
    ch_thread_sp tls_elsewhere = {.sp = 0x7f0000700100ull, .tls = 0x7f0000a00000ull};
    ch_thread_sp both[] = {unguarded, tls_elsewhere};
    r = roots_for(path, both, 2, &n);
    CHECK(r && n == 5);
    CHECK(r && n == 5 && r[0].start == 0x7f0000001000ull && r[0].end == 0x7f0000700000ull);
    CHECK(r && n == 5 && r[1].start == 0x7f0000700100ull && r[1].end == 0x7f0000801000ull);
    CHECK(r && n == 5 && r[2].end == 0x7f0000950000ull && r[3].start == 0x7f0000950100ull);
    free(r);
    /* An agent cache (2 pages) inside the unguarded anonymous mapping:
     * its bytes are cut out, the rest of the mapping stays a root; a
     * stack mark there is no AGENT mark and cuts nothing out. */
    uint64_t marks[] = {0x7f0000980000ull | 2u << 3 | CH_MARK_AGENT, 0};
    ch_roots_ctx c = {.main_sp = 0x7ffd00010000ull, .marks = marks, .nmarks = 2};
    r = ch_roots_from_smaps(path, &c, &n, NULL, NULL);
    CHECK(r && n == 4);
    CHECK(r && n == 4 && r[1].start == 0x7f0000900000ull && r[1].end == 0x7f0000980000ull);
    CHECK(r && n == 4 && r[2].start == 0x7f0000982000ull && r[2].end == 0x7f0000a00000ull);
    free(r);
    printf("roots: %s\n", fails ? "failed" : "ok");
    return fails ? 1 : 0;
}
