/*
 * ch_shm_validate and the record reader against corrupt and hostile
 * records: every case must give a one-line error or a sane profile, never a
 * crash (built with ASan/UBSan). Usage: record_test CASE
 */
#include "collect/record.h"
#include "common/shm_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ch_shm shm;
#define H (shm.hdr)
#define AT(off) ((char *)shm.hdr + (off))

/* A small valid record: 3 blocks in shard 5, stack ids 1 and 2 (and 3, not
 * yet published), one module. */
static void make_valid(void)
{
    if (ch_shm_create(&shm, 1, 1u << 12)) {
        perror("ch_shm_create");
        exit(2);
    }
    ch_live_shard *s = (ch_live_shard *)AT(H->shards_off) + 5;
    s->cap = CH_LIVE_MIN_CAP;
    s->table_end = H->heap_off + 4096 + CH_LIVE_MIN_CAP * sizeof(ch_live_entry);
    ch_live_entry *t = (ch_live_entry *)AT(s->table_end) - s->cap;
    t[3] = (ch_live_entry){0x7000, ch_pack_size_stack(16, 1)};
    t[9] = (ch_live_entry){ch_pack_addr_epoch(0x5000, 7), ch_pack_size_stack(32, 2)}; /* epoch 7 */
    t[1000] = (ch_live_entry){0x6000, ch_pack_size_stack(48, 3000)}; /* past the table -> 0 */
    s->count = 3;
    uint64_t *frames = (uint64_t *)AT(H->frames_off);
    frames[0] = 0x401000;
    frames[1] = 0x401100;
    frames[2] = 0x401200;
    ch_stack_entry *table = (ch_stack_entry *)AT(H->stacks_off);
    table[1] = (ch_stack_entry){.hash = 11, .frames_off8 = 0, .depth = 2};
    table[2] = (ch_stack_entry){
        .hash = 77, .frames_off8 = 2, .depth = 1, .flags = CH_STACK_F_TRUNCATED | CH_STACK_F_GO};
    H->n_stacks = 3; /* entry 3 counted but not published: an empty stack */
    H->frames_used = 24;
    ch_module_entry *m = (ch_module_entry *)AT(H->modules_off);
    m[0] = (ch_module_entry){.start = 0x400000, .end = 0x500000};
    strcpy(m[0].path, "/bin/prog");
    H->n_modules = 1;
    H->bad_frees[0] = (ch_bad_free){.addr = 0x7010, .kind = CH_BAD_MISALIGNED | CH_BAD_REALLOC};
    H->bad_frees[2] = (ch_bad_free){.addr = 0x7000, .size = 16, .kind = CH_BAD_DOUBLE, .stack = 2};
    H->bad_frees[3] = (ch_bad_free){.addr = 0x7020, .kind = 0x77}; /* no kind this build knows */
    H->n_bad_frees = 4;                                            /* [1]: claimed, never written */
}

static int read_it(size_t size, char *err, size_t errlen, ch_profile *p)
{
    memset(p, 0, sizeof *p);
    return ch_record_read(shm.hdr, size, shm.fd, p, err, errlen);
}

/* Expects an error; prints it. */
static int expect_error(const char *what, size_t size)
{
    ch_profile p;
    char err[256] = "";
    if (read_it(size, err, sizeof err, &p) == 0) {
        printf("FAIL %s: accepted\n", what);
        ch_record_free(&p);
        return 1;
    }
    if (!err[0] || strchr(err, '\n')) {
        printf("FAIL %s: error is not one line: '%s'\n", what, err);
        return 1;
    }
    printf("%s -> %s\n", what, err);
    return 0;
}

static int case_valid(void)
{
    make_valid();
    ch_profile p;
    char err[256] = "";
    if (read_it(shm.size, err, sizeof err, &p)) {
        printf("FAIL valid record rejected: %s\n", err);
        return 1;
    }
    /* Record ids are the profile's ids. */
    int ok = p.nblocks == 3 && p.blocks[0].addr == 0x5000 && p.blocks[0].stack_id == 2 &&
             p.blocks[0].epoch == 7 && p.blocks[1].epoch == 0 && p.blocks[1].addr == 0x6000 &&
             p.blocks[1].stack_id == 0 && p.blocks[2].size == 16 && p.nstacks == 4 &&
             p.stacks[3].depth == 0 && p.stacks[1].depth == 2 && p.stacks[1].pcs[1] == 0x401100 &&
             p.stacks[2].pcs[0] == 0x401200 && p.nmodules == 1 &&
             !strcmp(p.modules[0].path, "/bin/prog") && p.blocks[0].kind == CH_KIND_UNFREED;
    /* The record's flags and kinds, in the model's terms. */
    ok = ok && p.stacks[2].truncated_at == CH_MAX_FRAMES && p.stacks[1].truncated_at == 0 &&
         p.ninvalid_frees == 2 && p.invalid_frees[0].kind == CH_INVALID_MISALIGNED &&
         p.invalid_frees[0].realloc && p.invalid_frees[1].kind == CH_INVALID_DOUBLE &&
         !p.invalid_frees[1].realloc && p.invalid_frees[1].stack_id == 2;
    printf("%s: %zu blocks, %zu stacks, %zu modules\n", ok ? "ok" : "FAIL valid record misread",
           p.nblocks, p.nstacks, p.nmodules);
    ch_record_free(&p);
    return !ok;
}

static int case_corrupt(void)
{
    int fails = 0;
    make_valid();
    ch_shm_header saved = *H;
    ch_live_shard *s = (ch_live_shard *)AT(H->shards_off) + 5;
    ch_live_shard saved_shard = *s;
    ch_stack_entry *entry = (ch_stack_entry *)AT(H->stacks_off) + 2;
    ch_stack_entry saved_entry = *entry;
    ch_module_entry *m = (ch_module_entry *)AT(H->modules_off);

#define RESTORE() (*H = saved, *s = saved_shard, *entry = saved_entry)
    H->magic ^= 1;
    fails += expect_error("bad magic", shm.size);
    RESTORE();
    H->version = 99;
    fails += expect_error("other version", shm.size);
    RESTORE();
    fails += expect_error("truncated mapping", shm.size / 2);
    fails += expect_error("shorter than a header", 16);
    H->stacks_off = shm.size - 8;
    fails += expect_error("stack table past the end", shm.size);
    RESTORE();
    H->stack_cap = 3;
    fails += expect_error("stack capacity not a power of two", shm.size);
    RESTORE();
    /* What the agent rejected and the launcher once read (one check for both now). */
    H->stack_cap = 1;
    fails += expect_error("stack capacity 1 (no id but 0)", shm.size);
    RESTORE();
    H->total_size = 1ull << 40; /* only the header is read: the check is arithmetic */
    H->frames_size = (uint64_t)UINT32_MAX * 8 + 4096;
    fails += expect_error("frames area past 32-bit frames_off8", H->total_size);
    RESTORE();
    H->thread_slots_off = shm.size - 4096;
    fails += expect_error("thread slots past the end", shm.size);
    RESTORE();
    H->marks_off += 8;
    fails += expect_error("marks misaligned", shm.size);
    RESTORE();
    H->n_modules = CH_MAX_MODULES + 1;
    fails += expect_error("too many modules", shm.size);
    RESTORE();
    H->frames_used = H->frames_size + 8;
    fails += expect_error("frames used past the area", shm.size);
    RESTORE();
    s->table_end = H->heap_off + H->heap_size + 64;
    fails += expect_error("shard table past the heap area", shm.size);
    RESTORE();
    s->table_end = H->heap_off + 64;
    fails += expect_error("shard table starting before the heap area", shm.size);
    RESTORE();
    s->table_end = 8;
    fails += expect_error("shard table before the heap area", shm.size);
    RESTORE();
    s->cap = 1ull << 63;
    fails += expect_error("shard capacity 2^63", shm.size);
    RESTORE();
    entry->depth = CH_MAX_FRAMES + 1;
    fails += expect_error("stack deeper than the maximum", shm.size);
    RESTORE();
    entry->frames_off8 = UINT32_MAX;
    entry->depth = 128;
    fails += expect_error("frames outside the frames area", shm.size);
    RESTORE();
    memset(m[0].path, 'A', sizeof m[0].path);
    fails += expect_error("module path without NUL", shm.size);
    return fails;
}

/* Random bytes over the header's tail, the shards and the stack table: only
 * errors or sane profiles may come out. */
static int case_fuzz(void)
{
    make_valid();
    ch_shm_header saved = *H;
    srand(12345);
    int errors = 0, accepted = 0;
    for (int round = 0; round < 300; round++) {
        *H = saved;
        unsigned char *regions[3] = {(unsigned char *)H, (unsigned char *)AT(H->shards_off),
                                     (unsigned char *)AT(H->stacks_off)};
        size_t lens[3] = {sizeof *H, CH_LIVE_SHARDS * sizeof(ch_live_shard), 256};
        int r = rand() % 3;
        for (int k = 0; k < 1 + rand() % 8; k++)
            regions[r][rand() % lens[r]] = (unsigned char)rand();
        ch_profile p;
        char err[256] = "";
        if (read_it(shm.size, err, sizeof err, &p) == 0) {
            for (size_t i = 0; i < p.nblocks; i++)
                if (p.blocks[i].stack_id >= p.nstacks) {
                    printf("FAIL fuzz: stack id out of range\n");
                    return 1;
                }
            accepted++;
            ch_record_free(&p);
        } else if (!err[0] || strchr(err, '\n')) {
            printf("FAIL fuzz: bad error '%s'\n", err);
            return 1;
        } else {
            errors++;
        }
    }
    printf("fuzz: 300 corrupted records, %d rejected, %d read\n", errors, accepted);
    return 0;
}

/* A /proc/self/status figure in bytes (VmRSS, VmHWM). */
static uint64_t status_bytes(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t kb = 0;
    size_t len = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, len) && line[len] == ':')
            kb = strtoull(line + len + 1, NULL, 10);
    if (f)
        fclose(f);
    return kb * 1024;
}

/*
 * The memory the exit's read of a 2M-block record (one of them in two
 * slots) touches beyond what the process held before (its peak RSS less its
 * RSS before, the record's pages already counted): a fresh page costs the
 * kernel its zeroing. The blocks themselves are 24 bytes each; the read's
 * other buffers were a second array of blocks for the sort and its counts
 * (49 bytes a block in all), the entries as read now (41).
 */
#define FRESH_BLOCKS 2000000u
#define FRESH_MAX_PER_BLOCK 44u
#ifdef __SANITIZE_ADDRESS__
#define FRESH_CHECKED 0 /* ASan's shadow of what is written is fresh memory of its own */
#else
#define FRESH_CHECKED 1
#endif
static int case_fresh(void)
{
    if (ch_shm_create(&shm, 1, 1u << 12)) {
        perror("ch_shm_create");
        return 2;
    }
    /* The tree's heap: 48-byte chunks in address order, in shards' slots at a load of 1/2 and
     * in an order unrelated to the addresses'. */
    uint64_t slots = 2 * FRESH_BLOCKS / 4;
    for (unsigned k = 0; k < 4; k++) {
        ch_live_shard *s = (ch_live_shard *)AT(H->shards_off) + 9 * k;
        s->cap = slots;
        s->table_end = H->heap_off + (k + 1) * slots * sizeof(ch_live_entry);
        s->count = FRESH_BLOCKS / 4;
    }
    for (uint64_t i = 0; i < FRESH_BLOCKS; i++) {
        uint64_t slot = (i * 0x9e3779b97f4a7c15ull) % (2 * FRESH_BLOCKS) / 2 * 2;
        while (((ch_live_entry *)AT(H->heap_off))[slot].addr) /* linear probing */
            slot = (slot + 2) % (2 * FRESH_BLOCKS);
        ((ch_live_entry *)AT(H->heap_off))[slot] =
            (ch_live_entry){0x55d0a0000000ull + 48 * i, ch_pack_size_stack(36, 0)};
    }
    /* A block in two slots, as an interrupted move leaves it: read once. */
    ((ch_live_entry *)AT(H->heap_off))[1] =
        (ch_live_entry){0x55d0a0000000ull + 48 * 777, ch_pack_size_stack(36, 0)};
    FILE *f = fopen("/proc/self/clear_refs", "w"); /* 5: the peak RSS starts again from now */
    if (!f || fputs("5", f) < 0 || fclose(f)) {
        printf("SKIP fresh: /proc/self/clear_refs cannot reset the peak RSS\n");
        return 0;
    }
    uint64_t before = status_bytes("VmRSS");
    ch_profile p;
    char err[256] = "";
    if (read_it(shm.size, err, sizeof err, &p)) {
        printf("FAIL fresh: %s\n", err);
        return 1;
    }
    uint64_t fresh = status_bytes("VmHWM") - before;
    int ok = p.nblocks == FRESH_BLOCKS;
    for (size_t i = 1; ok && i < p.nblocks; i++)
        ok = p.blocks[i].addr == p.blocks[i - 1].addr + 48;
    ch_record_free(&p);
    if (!ok) {
        printf("FAIL fresh: the blocks misread\n");
        return 1;
    }
    int over = FRESH_CHECKED && fresh > (uint64_t)FRESH_MAX_PER_BLOCK * FRESH_BLOCKS;
    printf("%s: %.1f bytes of fresh memory per block read (%s %u)\n", over ? "FAIL fresh" : "ok",
           (double)fresh / FRESH_BLOCKS,
           FRESH_CHECKED ? "at most" : "a sanitizer build: not bounded by", FRESH_MAX_PER_BLOCK);
    return over;
}

int main(int argc, char **argv)
{
    int rc = 2;
    if (argc > 1 && !strcmp(argv[1], "valid"))
        rc = case_valid();
    else if (argc > 1 && !strcmp(argv[1], "corrupt"))
        rc = case_corrupt();
    else if (argc > 1 && !strcmp(argv[1], "fuzz"))
        rc = case_fuzz();
    else if (argc > 1 && !strcmp(argv[1], "fresh"))
        rc = case_fresh();
    ch_shm_destroy(&shm);
    return rc;
}
