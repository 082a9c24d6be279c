/*
 * Memory per thread: T threads alive at once, each making K malloc/free
 * pairs (from two call sites) before all wait at a barrier; the main thread
 * then prints its own memory (kB, from /proc/self/status) and lets them end.
 *
 *   threadmem [THREADS [PAIRS [same-set]]]   (default 2000 100)
 *
 * same-set: the two call sites are x86-64 code laid out so that their return
 * addresses index the same entry of a thread's first 128 rule-cache entries
 * in every run (src/agent/unwind.c, rule_for), which ASLR gives the plain
 * call sites in some runs only.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_barrier_t all_done, may_end;
static unsigned pairs;

static __attribute__((noinline)) void *take(size_t n)
{
    return malloc(n);
}

static void wait_end(void)
{
    pthread_barrier_wait(&all_done);
    pthread_barrier_wait(&may_end);
}

static void *worker(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < pairs; i++) {
        free(take(16 + i % 64));
        free(malloc(32));
    }
    wait_end();
    return NULL;
}

/*
 * same_set_worker(&pairs): the same pairs, from same_set_a and same_set_b.
 * One page: ASLR moves it whole, and the rule cache's index is
 * (pc ^ pc >> 12) & 127, so return addresses 128 apart in a page share an
 * entry: those after the two mallocs (page + 0x080 and + 0x380), not those
 * after the worker's two calls (+ 0x6c0, + 0x9e0). Each return address is
 * in its own 256 bytes, a page of the whole cache apart. The worker's return
 * address is undefined (CFI), as clone3's is: the walk ends there, and no
 * libc return address can fall into the same entry by chance.
 */
void *same_set_worker(void *arg);
void *call_wait_end(void);
__asm__(".pushsection .text\n"
        ".macro same_set_enter\n" /* a frame pointer, as -O0 code makes */
        ".cfi_startproc\n"
        "push %rbp\n"
        ".cfi_def_cfa_offset 16\n"
        ".cfi_offset %rbp, -16\n"
        "mov %rsp, %rbp\n"
        ".cfi_def_cfa_register %rbp\n"
        ".endm\n"
        /* void *name(size_t n): malloc(n), returning to same_set_a + ret */
        ".macro same_set_malloc name, ret\n"
        "\\name:\n"
        "same_set_enter\n"
        ".org same_set_a + \\ret - 5, 0x90\n"
        "call malloc@PLT\n"
        "pop %rbp\n"
        ".cfi_def_cfa %rsp, 8\n"
        "ret\n"
        ".cfi_endproc\n"
        ".endm\n"
        ".balign 4096\n"
        "same_set_malloc same_set_a, 0x080\n"
        ".org same_set_a + 0x300, 0xcc\n"
        "same_set_malloc same_set_b, 0x380\n"
        ".org same_set_a + 0x600, 0xcc\n"
        ".globl same_set_worker\n"
        "same_set_worker:\n"
        "same_set_enter\n"
        ".cfi_undefined %rip\n"
        "push %rbx\n"
        "sub $8, %rsp\n"
        ".cfi_offset %rbx, -24\n"
        "mov (%rdi), %ebx\n"
        "jmp 2f\n"
        "1:\n"
        "mov $32, %edi\n"
        ".org same_set_a + 0x6c0 - 5, 0x90\n"
        "call same_set_a\n"
        "mov %rax, %rdi\n"
        "call free@PLT\n"
        "mov $48, %edi\n"
        ".org same_set_a + 0x9e0 - 5, 0x90\n"
        "call same_set_b\n"
        "mov %rax, %rdi\n"
        "call free@PLT\n"
        "dec %ebx\n"
        "2:\n"
        "test %ebx, %ebx\n"
        "jnz 1b\n"
        "call call_wait_end\n"
        "xor %eax, %eax\n"
        "mov -8(%rbp), %rbx\n"
        "leave\n"
        ".cfi_def_cfa %rsp, 8\n"
        "ret\n"
        ".cfi_endproc\n"
        ".popsection\n");

void *call_wait_end(void)
{
    wait_end();
    return NULL;
}

static void print_status(unsigned threads)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    printf("threads=%u", threads);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6) || !strncmp(line, "RssAnon:", 8) ||
            !strncmp(line, "RssShmem:", 9)) {
            line[strcspn(line, ":")] = 0;
            printf(" %s=%ld", line, strtol(line + strlen(line) + 1, NULL, 10));
        }
    printf("\n");
    if (f)
        fclose(f);
}

int main(int argc, char **argv)
{
    unsigned threads = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
    pairs = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
    void *(*body)(void *) = argc > 3 && !strcmp(argv[3], "same-set") ? same_set_worker : worker;
    pthread_t *t = calloc(threads, sizeof *t);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 << 10);
    pthread_barrier_init(&all_done, NULL, threads + 1);
    pthread_barrier_init(&may_end, NULL, threads + 1);
    for (unsigned i = 0; i < threads; i++)
        if (pthread_create(&t[i], &attr, body, &pairs) != 0)
            return 1;
    pthread_barrier_wait(&all_done);
    print_status(threads);
    pthread_barrier_wait(&may_end);
    for (unsigned i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    free(t);
    return 0;
}
