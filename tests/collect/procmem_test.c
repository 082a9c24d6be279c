/*
 * Batched reads of a process's memory (ch_procmem_read_many), on this
 * process: 3000 requests (three system calls' worth) with holes among
 * them (an unmapped page, a request running into it). Every readable one
 * is read whole, every hole is marked; batched, the one-by-one reader runs
 * only for the holes; with pid 0 (no batching) for every request.
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
    int batched = check_run(getpid(), fd, src, hole);
    CHECK(batched == 3); /* the holes alone */
    int single = check_run(0, fd, src, hole);
    CHECK(single == N);
    printf("%d requests: %d read alone when batched, %d without batching\n", N, batched, single);
    return fails != 0;
}
