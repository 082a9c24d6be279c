/*
 * Batched reads of a process's memory (ch_procmem_read_many), on this
 * process: 3000 requests (three system calls' worth) with holes among
 * them (an unmapped page, a request running into it). Every readable one
 * is read whole, every hole is marked; batched, the one-by-one reader runs
 * only for the holes; with pid 0 (no batching) for every request.
 * ch_procmem_read_vm answers as ch_procmem_read does (a whole read, a read
 * running into the hole, one at it), through process_vm_readv (with no
 * /proc/PID/mem descriptor at all) or, refused, through the descriptor.
 * Prints one line; exits non-zero on failure.
 */
#include "collect/procmem.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

#define N 3000
#define LEN 24

static int calls;

static long counted_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    calls++;
    return ch_procmem_read(ctx, addr, buf, len);
}

/* Fills reqs: every one reads LEN bytes of src, but for the holes. */
static void make(ch_read_req *q, uint8_t *dst, const uint8_t *src, uint64_t hole)
{
    for (size_t i = 0; i < N; i++)
        q[i] = (ch_read_req){(uint64_t)(uintptr_t)(src + i * LEN), dst + i * LEN, LEN, false};
    q[100].addr = hole;            /* unmapped */
    q[1500].addr = hole - LEN / 2; /* runs into the unmapped page */
    q[2999].addr = hole + 64;
}

static int check_run(pid_t pid, int fd, const uint8_t *src, uint64_t hole)
{
    static ch_read_req q[N];
    static uint8_t dst[N * LEN];
    memset(dst, 0, sizeof dst);
    make(q, dst, src, hole);
    calls = 0;
    ch_procmem_read_many(pid, counted_read, &fd, q, N);
    int bad = 0;
    for (size_t i = 0; i < N; i++) {
        bool hole_req = i == 100 || i == 1500 || i == 2999;
        if (q[i].ok == hole_req || (!hole_req && memcmp(dst + i * LEN, src + i * LEN, LEN)))
            bad++;
    }
    CHECK(bad == 0);
    return calls;
}

/* A whole page, the page and the hole after it, the hole: what ch_procmem_read answers. */
static void check_vm(ch_procmem *m, const uint8_t *page_before, uint64_t hole, long page)
{
    uint8_t *buf = malloc((size_t)page);
    uint64_t at = (uint64_t)(uintptr_t)page_before;
    CHECK(ch_procmem_read_vm(m, at, buf, (size_t)page) == page);
    CHECK(!memcmp(buf, page_before, (size_t)page));
    memset(buf, 0, (size_t)page);
    CHECK(ch_procmem_read_vm(m, at + 8, buf, (size_t)page) == page - 8);
    CHECK(!memcmp(buf, page_before + 8, (size_t)page - 8));
    CHECK(ch_procmem_read_vm(m, hole, buf, 64) == -1);
    free(buf);
}

int main(void)
{
    uint8_t *src = malloc(N * LEN);
    long page = sysconf(_SC_PAGESIZE);
    uint8_t *two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int fd = open("/proc/self/mem", O_RDONLY);
    if (!src || two == MAP_FAILED || fd < 0 || munmap(two + page, page))
        return perror("setup"), 2;
    for (size_t i = 0; i < N * LEN; i++)
        src[i] = (uint8_t)(i * 7 + 1);
    uint64_t hole = (uint64_t)(uintptr_t)(two + page);
    for (long i = 0; i < page; i++)
        two[i] = (uint8_t)(i * 13 + 5);
    ch_procmem vm = {.pid = getpid(), .fd = -1}, refused = {.pid = -1, .fd = fd};
    check_vm(&vm, two, hole, page);
    CHECK(!vm.no_vm);
    check_vm(&refused, two, hole, page);
    CHECK(refused.no_vm);
    int batched = check_run(getpid(), fd, src, hole);
    CHECK(batched == 3); /* the holes alone */
    int single = check_run(0, fd, src, hole);
    CHECK(single == N);
    printf("%d requests: %d read alone when batched, %d without batching\n", N, batched, single);
    return fails != 0;
}
