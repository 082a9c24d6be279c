/*
 * One symbolizer for the running program, kept across the profiles served
 * and the leak checks while the program's mappings stay the same: the same
 * modules (path, address, load bias, still loaded) from the same files
 * (device and inode in /proc/PID/maps, the build ID the agent read from the
 * mapped image). Anything else, a dlopen, a dlclose, a library rebuilt and
 * loaded again at the same address, and it is made again, as the exit path
 * makes one: its per-PC memo is what makes a warm profile cheap (a profile
 * of 131,072 stacks took 0.43 s of CPU with a new one, 0.16-0.27 s warm),
 * and a leak check made its own each time (most of a 64 MiB check's
 * symbols, 226.7 M instructions, went to inflating libc's DWARF again).
 * Users take it in turn: ch_symkeep_get locks it until ch_symkeep_put.
 */
#ifndef CGOHEAP_SERVE_SYMKEEP_H
#define CGOHEAP_SERVE_SYMKEEP_H

#include "common/profile.h"
#include "symbolize/symbolize.h"
#include <stdbool.h>

typedef struct ch_symkeep ch_symkeep;

/* What a user gets: valid until ch_symkeep_put. */
typedef struct ch_symkept {
    ch_symbolizer *sym;
    const char **build_ids; /* per module, as ch_symbolizer_build_id */
    unsigned made;          /* how many symbolizers were made: a key for what is kept per one */
} ch_symkept;

/* NULL when out of memory. verbose: say on stderr when one is made. */
ch_symkeep *ch_symkeep_new(bool verbose);
void ch_symkeep_free(ch_symkeep *k);

/*
 * Locks k and gives the symbolizer for p's modules, which must carry the
 * device and inode of their files (collect/modmaps.h: ch_modules_from_maps;
 * p->pid's mappings). A new one is checked against the files' build IDs
 * (ch_modules_verify sets `replaced` in p). NULL when out of memory; k is
 * locked either way.
 */
const ch_symkept *ch_symkeep_get(ch_symkeep *k, ch_profile *p);
void ch_symkeep_put(ch_symkeep *k);

#endif
