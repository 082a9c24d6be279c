/*
 * Stacks that change from one allocation to the next: random-looking paths
 * through functions with different frame sizes, alloca frames (CFA based on
 * RBP) and RBP used as a plain register. The fast unwinder replays parts of
 * the previous walk; run under both unwind modes, the stack tables must match.
 *   alt [ITERATIONS]
 */
#include <alloca.h>
#include <stdlib.h>
#include <string.h>

static volatile int sink;
static void *keep[64];

static void descend(unsigned i, int d);

__attribute__((noinline)) static void leaf(unsigned i)
{
    free(keep[i & 63]);
    keep[i & 63] = malloc(16 + i % 97);
}

__attribute__((noinline)) static void plain(unsigned i, int d)
{
    descend(i, d);
    sink = d;
}

__attribute__((noinline)) static void padded(unsigned i, int d)
{
    char pad[48];
    memset(pad, d, sizeof pad);
    sink = pad[i % 48];
    descend(i * 3 + 1, d);
    sink = pad[(i + 1) % 48];
}

__attribute__((noinline)) static void dynamic(unsigned i, int d)
{
    char *p = alloca(16 + (i % 7) * 16); /* a frame whose size varies: CFA from RBP */
    p[0] = (char)d;
    sink = p[0];
    descend(i ^ (i >> 3), d);
    sink = p[0];
}

__attribute__((noinline)) static void descend(unsigned i, int d)
{
    if (d == 0) {
        leaf(i);
        return;
    }
    switch ((i >> (d % 5)) % 3) {
    case 0:
        plain(i, d - 1);
        break;
    case 1:
        padded(i, d - 1);
        break;
    default:
        dynamic(i, d - 1);
        break;
    }
    sink = d;
}

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;
    for (unsigned i = 0; i < n; i++)
        descend((i * 2654435761u) >> 7, 4 + (int)(i % 5));
    for (unsigned i = 0; i < 64; i++)
        free(keep[i]);
    return 0;
}
