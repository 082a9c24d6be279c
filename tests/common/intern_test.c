/*
 * Unit tests of common/intern: one copy per distinct string, dense ids in
 * order of first appearance, copies that never move, and out of memory an
 * intern that fails and leaves the interner as it was.
 * Usage: intern_test CASE (basic, oom).
 */
#include "common/intern.h"
#include "failalloc.h"

#include <string.h>

static void name(char *buf, size_t n, unsigned i)
{
    /* Names like the symbolizer's: long shared prefixes, short differences. */
    snprintf(buf, n, "github.com/some/pkg.(*Type).Method%u", i);
}

static void basic(void)
{
    enum { N = 200000 };
    ch_interner in = {0};
    uint32_t id;
    const char *empty = ch_intern(&in, "", &id);
    CHECK(empty && !*empty && id == 0, "\"\" first: id 0");
    const char *first = NULL;
    char buf[128];
    /* Each name three times: new, then found twice, with growth in between. */
    for (unsigned round = 0; round < 3; round++)
        for (unsigned i = 0; i < N; i++) {
            name(buf, sizeof buf, i);
            const char *s = ch_intern(&in, buf, &id);
            CHECK(s && s != buf && !strcmp(s, buf), "copy of %s", buf);
            CHECK(id == i + 1, "%s: id %u, wanted %u", buf, id, i + 1);
            CHECK(ch_interner_str(&in, id) == s, "string of id %u", id);
            if (i == 0 && round == 0)
                first = s;
            if (i == 0 && round > 0)
                CHECK(s == first, "one copy per string");
            memset(buf, 'x', sizeof buf - 1); /* the caller's buffer is not kept */
        }
    CHECK(ch_interner_count(&in) == N + 1, "count %zu", ch_interner_count(&in));
    CHECK(!strcmp(first, "github.com/some/pkg.(*Type).Method0"), "copy moved or changed");
    /* A string longer than a chunk gets a chunk of its own. */
    size_t len = 200 * 1024;
    char *big = malloc(len + 1);
    memset(big, 'a', len);
    big[len] = 0;
    const char *kept = ch_intern(&in, big, &id);
    CHECK(kept && strlen(kept) == len && id == N + 1, "long string");
    big[len - 1] = 'b';
    CHECK(ch_intern(&in, big, &id) != kept && id == N + 2, "strings differing in the last byte");
    free(big);
    ch_interner_free(&in);
    CHECK(ch_interner_count(&in) == 0, "freed interner is empty");
    printf("%u names, each interned 3 times\n", (unsigned)N);
}

static void oom(void)
{
    ch_interner in = {0};
    uint32_t id = 77;
    fail_after(0);
    CHECK(ch_intern(&in, "a", &id) == NULL && id == 77 && in.n == 0, "first intern");
    fail_never();
    char buf[64];
    unsigned i = 1;
    CHECK(ch_intern(&in, "name-0", &id) && id == 0, "first name");
    /* Every allocation point of an intern in turn: the table, the id array, the chunk. */
    for (long at = 0; at < 3; at++) {
        /* Up to where the next new string grows the table and needs a new chunk. */
        while ((in.n + 1) * 2 <= in.nslots) {
            snprintf(buf, sizeof buf, "name-%u", i++);
            CHECK(ch_intern(&in, buf, NULL) != NULL, "intern while memory lasts");
        }
        size_t n = in.n;
        fail_after(at);
        const char *s = ch_intern(&in, "a-new-one-that-needs-room", &id);
        fail_never();
        if (s) { /* the allocations needed were fewer than `at` */
            CHECK(in.n == n + 1, "count after a good intern");
            continue;
        }
        CHECK(in.n == n, "count changed by a failed intern (failing allocation %ld)", at);
        CHECK(ch_intern(&in, "name-0", &id) && id == 0, "old string after a failure");
        snprintf(buf, sizeof buf, "name-%u", i - 1);
        CHECK(ch_intern(&in, buf, &id) && id == n - 1, "last string after a failure");
        CHECK(in.n == n, "looking up added something");
    }
    CHECK(ch_intern(&in, "a-new-one-that-needs-room", &id) && id == in.n - 1,
          "once memory is back");
    /* A string too long for the current chunk needs a new one: that allocation alone fails. */
    static char big[100 * 1024];
    memset(big, 'z', sizeof big - 1);
    if ((in.n + 1) * 2 <= in.nslots && in.n < in.cap) {
        size_t n = in.n;
        fail_after(0);
        CHECK(ch_intern(&in, big, NULL) == NULL && in.n == n, "new chunk out of memory");
        fail_never();
        CHECK(ch_intern(&in, big, &id) && id == n, "new chunk once memory is back");
    } else
        CHECK(0, "room in the table expected before the long string");
    ch_interner_free(&in);
    printf("failed interns left %u names\n", i);
}

int main(int argc, char **argv)
{
    return run_case(argc, argv, basic, oom);
}
