/*
 * Precise roots for Go programs (see goroots.h): the layouts come from the
 * executable the process runs now (/proc/PID/exe, so a wrapper script that
 * exec'd the Go program is seen through) or, for a C program using a Go
 * library built with -buildmode=c-shared, from that library; the data from
 * its memory.
 */
#include "collect/goroots.h"
#include "collect/golayout.h"
#include "collect/goprefetch.h"
#include "collect/goruntime.h"
#include "collect/gostack.h"
#include "common/grow.h"
#include "common/search.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The load bias: AT_ENTRY (where the entry point is mapped) minus e_entry. */
static int load_bias(pid_t pid, const ch_go_layout *L, uint64_t *bias)
{
    char path[64];
    uint64_t av[2];
    snprintf(path, sizeof path, "/proc/%d/auxv", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = -1;
    while (read(fd, av, sizeof av) == (ssize_t)sizeof av && av[0] != AT_NULL)
        if (av[0] == AT_ENTRY) {
            *bias = av[1] - L->entry;
            rc = L->pie || *bias == 0 ? 0 : -1; /* ET_EXEC never moves */
            break;
        }
    close(fd);
    return rc;
}

/*
 * If the file mapped at `start` from offset 0 is Go code (a .go.buildinfo
 * section), its load bias: start less the first loadable segment's page.
 */
static bool go_object_at(const char *path, uint64_t start, uint64_t *bias)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    elf_version(EV_CURRENT);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    bool go = false, loaded = false;
    size_t shstr, nph;
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;
    GElf_Phdr ph;
    if (elf && elf_kind(elf) == ELF_K_ELF && elf_getshdrstrndx(elf, &shstr) == 0)
        while (!go && (scn = elf_nextscn(elf, scn)) && gelf_getshdr(scn, &sh)) {
            const char *name = elf_strptr(elf, shstr, sh.sh_name);
            go = name && !strcmp(name, ".go.buildinfo");
        }
    if (go && elf_getphdrnum(elf, &nph) == 0)
        for (size_t i = 0; i < nph && !loaded; i++)
            if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_offset == 0) {
                *bias = start - (ph.p_vaddr & ~4095ull);
                loaded = true;
            }
    if (elf)
        elf_end(elf);
    close(fd);
    return go && loaded;
}

/*
 * The shared object holding the Go runtime of a program whose executable
 * has none: the one file other than the executable mapped from offset 0
 * with Go code in it. Two are two Go runtimes, which this reader does not
 * follow: refused, like none.
 */
static int go_shared_object(pid_t pid, char *file, size_t filelen, uint64_t *bias, char *err,
                            size_t errlen)
{
    char path[64], exe[4096] = "", line[4400], prev[4096] = "";
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }
    int found = 0;
    unsigned long long start, off;
    int at;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (sscanf(line, "%llx-%*x %*s %llx %*s %*u %n", &start, &off, &at) != 2 || off ||
            line[at] != '/' || !strcmp(line + at, exe) || !strcmp(line + at, prev))
            continue;
        snprintf(prev, sizeof prev, "%s", line + at);
        uint64_t b;
        if (!go_object_at(prev, start, &b))
            continue;
        if (found++) {
            snprintf(err, errlen, "two Go runtimes, in %s and %s", file, prev);
            break;
        }
        snprintf(file, filelen, "%s", prev);
        *bias = b;
    }
    fclose(f);
    if (!found)
        snprintf(err, errlen, "no runtime.mheap_ symbol in the program or its libraries");
    return found == 1 ? 0 : -1;
}

/* The layouts of the executable, or else of the shared object holding the Go runtime. */
static int read_layout_file(pid_t pid, ch_go_prefetch *pf, ch_go_layout *L, uint64_t *bias,
                            char *file, size_t filelen, char *err, size_t errlen)
{
    snprintf(file, filelen, "/proc/%d/exe", (int)pid);
    bool exe = true;
    int fd = open(file, O_RDONLY | O_CLOEXEC), rc;
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s", file);
        return -1;
    }
    rc = ch_go_prefetch_take(pf, fd, L, err, errlen);
    if (rc == 1)
        rc = ch_go_layout_read(fd, L, err, errlen);
    close(fd);
    if (rc && strstr(err, "runtime.mheap_")) { /* no Go in the executable */
        if (go_shared_object(pid, file, filelen, bias, err, errlen))
            return -1;
        exe = false;
        if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
            snprintf(err, errlen, "cannot open %s", file);
            return -1;
        }
        rc = ch_go_layout_read(fd, L, err, errlen);
        close(fd);
    }
    if (rc == 0 && exe && load_bias(pid, L, bias)) {
        snprintf(err, errlen, "no load bias from /proc/%d/auxv", (int)pid);
        rc = -1;
    }
    return rc;
}

int ch_go_read_layout(pid_t pid, ch_go_prefetch *pf, ch_go_layout *L, uint64_t *bias, char *err,
                      size_t errlen)
{
    char file[CH_GO_FILE_MAX];
    return read_layout_file(pid, pf, L, bias, file, sizeof file, err, errlen);
}

/* The first dead range that ends after addr (dead is sorted, disjoint). */
static size_t first_after(const struct ch_range *dead, size_t ndead, uint64_t addr)
{
    return CH_FIRST_ABOVE(dead, ndead, end, addr);
}

static int push(ch_region **v, size_t *n, size_t *cap, const ch_region *src, uint64_t start,
                uint64_t end)
{
    if (end <= start)
        return 0;
    if (*n == *cap) {
        ch_region *nv = ch_grow(*v, cap, sizeof *nv, 64);
        if (!nv)
            return -1;
        *v = nv;
    }
    (*v)[*n] = *src;
    (*v)[*n].start = start;
    (*v)[(*n)++].end = end;
    return 0;
}

ch_region *ch_regions_subtract(const ch_region *roots, size_t nroots, const struct ch_range *dead,
                               size_t ndead, size_t *nout)
{
    ch_region *v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < nroots; i++) {
        uint64_t cur = roots[i].start, end = roots[i].end;
        for (size_t k = first_after(dead, ndead, cur); k < ndead && dead[k].start < end; k++) {
            if (push(&v, &n, &cap, &roots[i], cur, dead[k].start < end ? dead[k].start : end))
                goto oom;
            if (dead[k].end > cur)
                cur = dead[k].end;
        }
        if (cur < end && push(&v, &n, &cap, &roots[i], cur, end))
            goto oom;
    }
    if (!v && !(v = malloc(sizeof *v)))
        return NULL;
    *nout = n;
    return v;
oom:
    free(v);
    return NULL;
}

/* -v: what the Go runtime read dropped, and how the goroutine stacks were scanned. */
static void say_dropped(const ch_range_list *dead, const ch_gostack *stk)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < dead->n; i++)
        bytes += dead->v[i].end - dead->v[i].start;
    fprintf(stderr,
            "cgoheap: Go runtime read: %zu ranges (%llu KiB) of dead stacks and "
            "free spans are not roots\n",
            dead->n, (unsigned long long)(bytes >> 10));
    if (stk)
        fprintf(stderr,
                "cgoheap: goroutine frames: %zu scanned with Go's stack maps, %zu whole (no map "
                "there); %zu goroutines kept whole from where their walk stopped\n",
                stk->precise, stk->whole, stk->failed);
    else
        fprintf(stderr, "cgoheap: goroutine stacks scanned whole (no Go table to walk them)\n");
}

ch_region *ch_go_refine_roots(pid_t pid, ch_go_prefetch *pf, const ch_go_threads *t,
                              ch_region *roots, size_t *nroots, ch_read_fn read, void *read_ctx,
                              bool verbose)
{
    ch_go_layout L;
    uint64_t bias = 0;
    ch_range_list dead = {0};
    char err[160] = "";
    ch_region *out = NULL;
    size_t nout = 0;
    ch_go_threads tw = *t;
    ch_gostack stk;
    bool walk = false;
    char file[CH_GO_FILE_MAX];
    if (read_layout_file(pid, pf, &L, &bias, file, sizeof file, err, sizeof err) == 0) {
        if (t->goroutines) {
            t->goroutines->bias = bias;
            snprintf(t->goroutines->file, sizeof t->goroutines->file, "%s", file);
        }
        walk = ch_gostack_open(&stk, file, bias) == 0;
        tw.stacks = walk ? &stk : NULL;
        if (ch_go_dead_ranges(&L, bias, &tw, read, read_ctx, &dead, err, sizeof err) == 0 &&
            !(out = ch_regions_subtract(roots, *nroots, dead.v, dead.n, &nout)))
            snprintf(err, sizeof err, "out of memory");
    }
    if (verbose && out) {
        if (strncmp(file, "/proc/", 6))
            fprintf(stderr, "cgoheap: Go runtime read from the library %s\n", file);
        say_dropped(&dead, walk ? &stk : NULL);
    } else if (verbose && !strstr(err, "runtime.mheap_")) {
        /* (A program without Go's runtime symbols is no Go program: nothing to say.) */
        fprintf(stderr, "cgoheap: Go stacks scanned whole (%s)\n", err);
    }
    if (walk)
        ch_gostack_close(&stk);
    free(dead.v);
    if (!out)
        return roots;
    free(roots);
    *nroots = nout;
    return out;
}
