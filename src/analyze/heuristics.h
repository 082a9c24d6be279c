/*
 * valgrind memcheck's leak-check heuristics (--leak-check-heuristics=all,
 * its default since 3.11): an interior pointer that matches one of these
 * well-known layouts counts as a start pointer, so the block it points into
 * can be "still reachable" rather than "possibly lost".
 */
#ifndef CGOHEAP_HEURISTICS_H
#define CGOHEAP_HEURISTICS_H

#include "analyze/analyze.h"
#include <stddef.h>
#include <stdint.h>

typedef enum ch_heuristic {
    CH_HEUR_NONE = 0,
    CH_HEUR_STDSTRING,           /* old std::string: length, capacity, refcount, chars */
    CH_HEUR_LENGTH64,            /* a 64-bit length of the rest, then the data (sqlite) */
    CH_HEUR_NEWARRAY,            /* new[] of objects with a destructor: count, elements */
    CH_HEUR_MULTIPLEINHERITANCE, /* a pointer to a second base's vtable pointer */
} ch_heuristic;

/* What the heuristics may look at: target memory and the target's mappings. */
typedef struct ch_heur_env {
    ch_read_fn read;
    void *ctx;
    const ch_mapping *maps; /* sorted by address; NULL: no vtable is ever recognised */
    size_t nmaps;
} ch_heur_env;

/*
 * The heuristic under which `ptr`, an interior pointer into the block
 * [addr, addr + size), counts as a pointer to the block, or CH_HEUR_NONE.
 * Checks them in valgrind's order; reads a few words of the block and, for
 * multipleinheritance, up to two candidate vtables.
 */
ch_heuristic ch_heuristic_reachedness(const ch_heur_env *env, uint64_t ptr, uint64_t addr,
                                      uint64_t size);

/*
 * The same in two steps, for a scan that meets many interior pointers into
 * one block: what the block's own words allow (read once per block, the
 * CH_HEUR_F_ bits with CH_HEUR_KNOWN, never 0), then each pointer against
 * them, which reads target memory only for a block whose first word is a
 * vtable pointer. gawk's nodes are handed out from big blocks, all
 * interior pointers: one read per pointer (and two for the vtable test)
 * made its scan 1.1 s for 58 MB live, most of it in pread.
 */
enum {
    CH_HEUR_F_STDSTRING = 1,
    CH_HEUR_F_LENGTH64 = 2,
    CH_HEUR_F_NEWARRAY = 4,
    CH_HEUR_F_VTABLE = 8, /* the first word is a vtable pointer */
    CH_HEUR_KNOWN = 0x80,
};
uint8_t ch_heur_block_facts(const ch_heur_env *env, uint64_t addr, uint64_t size);
ch_heuristic ch_heur_pointer(const ch_heur_env *env, uint8_t facts, uint64_t ptr, uint64_t addr,
                             uint64_t size);

#endif
