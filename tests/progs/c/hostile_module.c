/*
 * A target that lies to the launcher about its modules, or changes them.
 *   hostile_module path FILE     leaks, then writes FILE as the path of
 *                                every module of the record (a FIFO, a
 *                                file only root may read)
 *   hostile_module replace FILE  leaks, then renames FILE over its own
 *                                binary (argv[0]) before it exits
 *   hostile_module header REGION leaks, then damages the record's header
 *                                (REGION: thread_slots or marks moved past
 *                                the end of the file, heap misaligned,
 *                                shards over the header) and execs itself:
 *                                the new image prints "after: ran", leaks,
 *                                exits 0
 *   hostile_module               leaks, and exits 0
 */
#include "cgoheap/shm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void *leak(void)
{
    char *p = malloc(777);
    memset(p, 7, 777);
    return p;
}

static int rewrite_modules(const char *path)
{
    const char *fd = getenv(CH_ENV_SHM_FD);
    if (!fd)
        return 2;
    ch_shm_header *h = mmap(NULL, sizeof *h, PROT_READ, MAP_SHARED, atoi(fd), 0);
    if (h == MAP_FAILED)
        return 2;
    size_t len = h->modules_off + CH_MAX_MODULES * sizeof(ch_module_entry);
    char *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, atoi(fd), 0);
    if (base == MAP_FAILED)
        return 2;
    ch_module_entry *m = (ch_module_entry *)(base + h->modules_off);
    for (uint32_t i = 0; i < h->n_modules && i < CH_MAX_MODULES; i++)
        snprintf(m[i].path, sizeof m[i].path, "%s", path);
    return 0;
}

/* A page-aligned offset far past any record (and past user space once added to its address). */
#define FAR_PAST_THE_END (1ull << 46)

static ch_shm_header *record_header(void)
{
    const char *fd = getenv(CH_ENV_SHM_FD);
    if (!fd)
        return NULL;
    ch_shm_header *h = mmap(NULL, sizeof *h, PROT_READ | PROT_WRITE, MAP_SHARED, atoi(fd), 0);
    return h == MAP_FAILED ? NULL : h;
}

static int damage_header(const char *region)
{
    ch_shm_header *h = record_header();
    if (!h)
        return 2;
    if (strcmp(region, "thread_slots") == 0)
        h->thread_slots_off = FAR_PAST_THE_END;
    else if (strcmp(region, "marks") == 0)
        h->marks_off = FAR_PAST_THE_END;
    else if (strcmp(region, "heap") == 0)
        h->heap_off += 8, h->heap_size -= 8; /* inside the file, misaligned */
    else if (strcmp(region, "shards") == 0)
        h->shards_off = 0; /* inside the file, aligned: over the header itself */
    else
        return 2;
    /* No allocation from here on: this image's agent still writes through the header. */
    char *args[] = {"hostile_module", "after", NULL};
    execv("/proc/self/exe", args);
    return 2;
}

int main(int argc, char **argv)
{
    static void *volatile keep;
    keep = leak();
    keep = NULL;
    if (argc == 3 && strcmp(argv[1], "path") == 0)
        return rewrite_modules(argv[2]);
    if (argc == 3 && strcmp(argv[1], "replace") == 0)
        return rename(argv[2], argv[0]) == 0 ? 0 : 2;
    if (argc == 3 && strcmp(argv[1], "header") == 0)
        return damage_header(argv[2]);
    if (argc == 2 && strcmp(argv[1], "after") == 0)
        return puts("after: ran") == EOF;
    return argc == 1 ? 0 : 2; /* alone: the leak only */
}
