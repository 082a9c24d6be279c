/* Reading the agent's shared record into a ch_profile. */
#ifndef CGOHEAP_RECORD_H
#define CGOHEAP_RECORD_H

#include "cgoheap/shm.h"
#include "common/profile.h"
#include <stddef.h>

/*
 * Fills blocks (sorted by address, kind CH_KIND_UNFREED), stacks, modules, counters and agent
 * status from the record at hdr (size bytes). Validates the header first and
 * bounds-checks every offset and index it follows, so a corrupt or hostile
 * record gives a one-line error, never a crash. stacks[].pcs point into the
 * record: it must stay mapped until the profile is freed. fd, if >= 0, is
 * the record's file (mapped from offset 0), from which the shard tables are
 * copied rather than faulted into the caller's mapping page by page.
 * Returns 0, or -1 with err set; on error nothing is left allocated.
 */
int ch_record_read(const ch_shm_header *hdr, size_t size, int fd, ch_profile *out, char *err,
                   size_t errlen);

/*
 * The same for a program still running (--http): one pass, the blocks in
 * table order (not sorted by address), and a block caught moving between
 * tables may count twice or not at all (record.c).
 */
int ch_record_read_live(const ch_shm_header *hdr, size_t size, ch_profile *out, char *err,
                        size_t errlen);

/*
 * What changes in a running program's record whenever its live blocks,
 * stacks, modules or counters do: every recorded allocation and free
 * bumps a counter after it wrote the live table (agent/hooks.c), a block
 * moving into a shard bumps the shard's count, a dlclose sets a module's
 * flag. Equal stamps mean the live set is what it was (a free taken back,
 * when a realloc failed, brings its block and the count back together).
 * The counters are the target's word: a wrong one gives a stale profile,
 * nothing worse.
 */
typedef struct ch_record_stamp {
    uint64_t allocs, frees, bytes, dropped, agent_bytes, shard_counts;
    uint64_t stacks, modules, unloaded, slots, bad_frees, flags;
} ch_record_stamp;

/* The record's stamp now. 0, or -1 if its header is not valid (err set). */
int ch_record_stamp_of(const ch_shm_header *hdr, size_t size, ch_record_stamp *out, char *err,
                       size_t errlen);

/*
 * The stack marks the agent wrote (shm.h: CH_MARK_*), in slot order, for the roots of a
 * stopped target: a view into the record (0 entries are slots never written), *n of them.
 * NULL with *n 0 if the header is not valid.
 */
const uint64_t *ch_record_marks(const ch_shm_header *hdr, size_t size, size_t *n);

/* The profile of a run without a record: no block, the unknown stack alone. Returns 0, -1 if
 * out of memory. */
int ch_record_none(ch_profile *out);

/* Frees what ch_record_read, ch_record_read_live or ch_record_none allocated (not the record
 * itself). */
void ch_record_free(ch_profile *p);

#endif
