/*
 * Modules that change under a running program.
 *   dlreuse reuse A B [SWAP]  dlopens library A, leaks through its function
 *                             "dlreuse_first", dlcloses it, dlopens B (loaded
 *                             at the same address if the loader reuses it)
 *                             and leaks through "dlreuse_other", from the same
 *                             call site; with SWAP, the file at A's path is
 *                             then replaced by a copy of B. Prints "same
 *                             address" or "other address".
 *   dlreuse reload A B        the same, with A loaded and unloaded twice
 *                             (both leak) before B, and SWAP.
 *   dlreuse rewrite A         leaks through A's "dlreuse_first", then
 *                             overwrites A's build ID in its file, in place
 *                             (same inode), and exits.
 *   dlreuse leak A            leaks through A's "dlreuse_first" and exits.
 *   dlreuse serve A B FIFO    the reuse, one step per line read from FIFO, each
 *                             acknowledged with "ok LINE" on stdout: "first"
 *                             leaks through A, "reuse" dlcloses A, dlopens B
 *                             and leaks through it (and adds "same address"
 *                             or "other address"), "exit N" exits with N.
 *   dlreuse                   exits 0 (the native corpus runs it so).
 * The libraries are built from lib/dlreuse_lib.c.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile keep;

static void *open_lib(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        exit(2);
    }
    return h;
}

static void call_leak(void *h, const char *name)
{
    void *(*fn)(void) = (void *(*)(void))dlsym(h, name);
    if (!fn)
        exit(2);
    keep = fn(); /* one call site for both libraries: same return address */
    keep = NULL;
}

/* Clears the stack below the caller, where call_leak's frames left the pointer. */
static __attribute__((noinline)) void scrub(void)
{
    volatile char buf[8192];
    memset((char *)buf, 0, sizeof buf);
}

static uintptr_t base_of(void *h)
{
    struct link_map *lm;
    return dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 ? lm->l_addr : 0;
}

static int copy_file(const char *from, const char *to)
{
    char tmp[4096], buf[65536];
    snprintf(tmp, sizeof tmp, "%s.new", to);
    int in = open(from, O_RDONLY), out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            return -1;
    close(in);
    close(out);
    return rename(tmp, to);
}

/* Loads A `loads` times (leaking once each, then unloading it), then B. */
static int reuse(const char *a, const char *b, int loads, int swap)
{
    uintptr_t first = 0, last = 0;
    for (int i = 0; i <= loads; i++) {
        void *h = open_lib(i < loads ? a : b);
        call_leak(h, i < loads ? "dlreuse_first" : "dlreuse_other");
        last = base_of(h);
        if (i == 0)
            first = last;
        if (i < loads)
            dlclose(h);
    }
    printf("%s address\n", first == last ? "same" : "other");
    if (swap && copy_file(b, a) != 0)
        return 2;
    return 0;
}

/* dlreuse serve: the reuse driven from a FIFO while the program is watched. */
static int serve(const char *a, const char *b, const char *fifo)
{
    FILE *in = fopen(fifo, "r");
    char line[256];
    void *h = NULL;
    uintptr_t first = 0;
    while (in && fgets(line, sizeof line, in)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, "exit ", 5))
            return atoi(line + 5);
        if (!strcmp(line, "first") && !h) {
            call_leak(h = open_lib(a), "dlreuse_first");
            first = base_of(h);
            printf("ok %s\n", line);
        } else if (!strcmp(line, "reuse") && h) {
            dlclose(h);
            call_leak(h = open_lib(b), "dlreuse_other");
            printf("ok %s %s address\n", line, base_of(h) == first ? "same" : "other");
        } else
            printf("bad %s\n", line);
        fflush(stdout);
    }
    return 2;
}

/* The file offset of the build ID's bytes in the loaded object at base. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    long *out = data;
    if ((uintptr_t)info->dlpi_addr != (uintptr_t)out[0])
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
        if (ph->p_type != PT_NOTE)
            continue;
        for (size_t at = 0; at + 12 <= ph->p_filesz;) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(p + at);
            size_t desc = at + 12 + ((nh->n_namesz + 3) & ~3u);
            if (nh->n_type == NT_GNU_BUILD_ID) {
                out[1] = (long)(ph->p_offset + desc);
                out[2] = (long)nh->n_descsz;
                return 1;
            }
            at = desc + ((nh->n_descsz + 3) & ~3u);
        }
    }
    return 0;
}

static int rewrite(const char *a)
{
    void *h = open_lib(a);
    call_leak(h, "dlreuse_first");
    long found[3] = {(long)base_of(h), -1, 0};
    dl_iterate_phdr(find_build_id, found);
    if (found[1] < 0)
        return 3;
    char id[64];
    int fd = open(a, O_RDWR);
    if (fd < 0 || pread(fd, id, (size_t)found[2], found[1]) != found[2])
        return 2;
    for (long i = 0; i < found[2]; i++)
        id[i] ^= 0x5a;
    if (pwrite(fd, id, (size_t)found[2], found[1]) != found[2])
        return 2;
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "reuse"))
        return reuse(argv[2], argv[3], 1, argc == 5);
    if (argc == 5 && !strcmp(argv[1], "serve"))
        return serve(argv[2], argv[3], argv[4]);
    if (argc == 4 && !strcmp(argv[1], "reload"))
        return reuse(argv[2], argv[3], 2, 1);
    if (argc == 3 && !strcmp(argv[1], "rewrite"))
        return rewrite(argv[2]);
    if (argc == 1)
        return 0;
    if (argc == 3 && !strcmp(argv[1], "leak")) {
        call_leak(open_lib(argv[2]), "dlreuse_first");
        scrub();
        return 0;
    }
    return 2;
}
