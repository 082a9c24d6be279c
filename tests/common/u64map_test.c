/*
 * Unit tests of common/u64map: every key kept and found against a sorted
 * reference (key 0 and UINT64_MAX among them), the load kept at most 1/2,
 * and out of memory a put that fails and leaves the map as it was.
 * Usage: u64map_test CASE (basic, oom).
 */
#include "common/u64map.h"
#include "failalloc.h"

#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Keys of every shape the CLI uses: PCs a few bytes apart, packed ids, hashes, the extremes. */
static size_t make_keys(uint64_t *keys, size_t n)
{
    size_t k = 0;
    keys[k++] = 0;
    keys[k++] = UINT64_MAX;
    for (uint64_t pc = 0x401000; k < n / 3; pc += 5)
        keys[k++] = pc;
    for (uint64_t id = 1; k < 2 * n / 3; id++)
        keys[k++] = id << 32 | (id * 7 & 0xffff);
    while (k < n)
        keys[k++] = next_rand() & (next_rand() % 2 ? ~0ull : 0xfffff000ull);
    qsort(keys, n, sizeof *keys, cmp_u64);
    size_t u = 0; /* dedupe */
    for (size_t i = 0; i < n; i++)
        if (u == 0 || keys[u - 1] != keys[i])
            keys[u++] = keys[i];
    return u;
}

static void basic(void)
{
    enum { N = 300000 };
    uint64_t *keys = malloc(N * sizeof *keys);
    size_t n = make_keys(keys, N);
    ch_u64map m = {0};
    CHECK(ch_u64map_get(&m, 0) == NULL && ch_u64map_get(&m, 42) == NULL, "empty map finds");
    /* Every other key goes in, in a shuffled order; the rest stay absent. */
    size_t *order = malloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = next_rand() % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    size_t added_n = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = order[i];
        if (k % 2)
            continue;
        bool added;
        uint64_t *v = ch_u64map_put(&m, keys[k], &added);
        CHECK(v && added && *v == 0, "put %#lx: new key, value 0", (unsigned long)keys[k]);
        *v = ~keys[k];
        added_n++;
        CHECK(m.n == added_n, "count %zu after %zu puts", m.n, added_n);
        CHECK((m.n - m.has_zero) * 2 <= m.nslots, "load above 1/2: %zu in %zu", m.n, m.nslots);
    }
    for (size_t k = 0; k < n; k++) {
        const uint64_t *v = ch_u64map_get(&m, keys[k]);
        if (k % 2)
            CHECK(v == NULL, "absent key %#lx found", (unsigned long)keys[k]);
        else
            CHECK(v && *v == ~keys[k], "key %#lx lost its value", (unsigned long)keys[k]);
    }
    /* A second put of a present key adds nothing and hands out the same value. */
    bool added = true;
    uint64_t *v = ch_u64map_put(&m, keys[0], &added);
    CHECK(v && !added && *v == ~keys[0] && m.n == added_n, "second put of a key");
    ch_u64map_free(&m);
    CHECK(m.n == 0 && ch_u64map_get(&m, keys[0]) == NULL, "freed map is empty");
    free(order);
    free(keys);
    printf("%zu keys, %zu kept\n", n, added_n);
}

static void oom(void)
{
    ch_u64map m = {0};
    /* The first put allocates: out of memory it fails and the map stays empty. */
    fail_after(0);
    CHECK(ch_u64map_put(&m, 7, NULL) == NULL && m.n == 0 && m.nslots == 0, "first put");
    /* Key 0 needs no slot: it goes in even now. */
    uint64_t *z = ch_u64map_put(&m, 0, NULL);
    CHECK(z && m.n == 1, "key 0 out of memory");
    *z = 99;
    fail_never();
    uint64_t key = 1;
    /* Fill up to the load where the next new key must grow the table. */
    while ((m.n + 1) * 2 <= m.nslots || m.nslots == 0) {
        uint64_t *v = ch_u64map_put(&m, key * 0x1000, NULL);
        CHECK(v != NULL, "put while memory lasts");
        *v = key++;
    }
    size_t n = m.n, nslots = m.nslots;
    fail_after(0);
    CHECK(ch_u64map_put(&m, 0xdead000, NULL) == NULL, "put that needs to grow");
    CHECK(m.n == n && m.nslots == nslots, "map changed by a failed put");
    CHECK(ch_u64map_get(&m, 0xdead000) == NULL, "failed key found");
    /* Present keys are still handed out: no allocation needed. */
    bool added = true;
    uint64_t *v = ch_u64map_put(&m, 0x1000, &added);
    CHECK(v && !added && *v == 1, "present key out of memory");
    fail_never();
    for (uint64_t k = 1; k < key; k++) {
        const uint64_t *got = ch_u64map_get(&m, k * 0x1000);
        CHECK(got && *got == k, "key %lu after a failed put", (unsigned long)k);
    }
    CHECK(*ch_u64map_get(&m, 0) == 99, "key 0 value");
    v = ch_u64map_put(&m, 0xdead000, &added);
    CHECK(v && added && m.nslots == 2 * nslots, "put once memory is back");
    ch_u64map_free(&m);
    printf("failed put at %zu keys left them all\n", n);
}

int main(int argc, char **argv)
{
    return run_case(argc, argv, basic, oom);
}
