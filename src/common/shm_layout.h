/* Creating and sizing the shared record (the launcher's, and a followed child's agent's);
 * checking a header (both sides). */
#ifndef CGOHEAP_SHM_LAYOUT_H
#define CGOHEAP_SHM_LAYOUT_H

#include "cgoheap/shm.h"
#include <stddef.h>
#include <sys/types.h>

typedef struct ch_shm {
    int fd;             /* memfd, inheritable (no CLOEXEC) */
    ch_shm_header *hdr; /* the launcher's own MAP_SHARED view */
    size_t size;
    ch_shm_layout layout; /* as made by ch_shm_create, or read from a validated header */
} ch_shm;

/*
 * Creates the memfd, reserves every region (sparse) and writes the header.
 * stack_cap must be a power of two: the most stacks wanted, fewer under a
 * tight RLIMIT_AS, which also shrinks the frames and heap areas. Returns
 * 0, or -1 with errno set (ENOMEM: even the smallest record exceeds the limit).
 */
int ch_shm_create(ch_shm *shm, uint64_t sample_rate, uint32_t stack_cap);
/* Frees the record's pages (whoever still holds the file), unmaps and closes it. */
void ch_shm_destroy(ch_shm *shm);

/*
 * Empties the record for a new program image: when the target calls execve,
 * the old image's blocks, stacks and modules mean nothing in the new one.
 * Only valid while no thread of the target runs (at the exec stop). Keeps
 * the launcher's settings (pid, sample rate). Everything it punches and
 * writes back comes from shm->layout, never from the header, which the old
 * image could write: a damaged layout is put right here. Returns 0 or -1
 * with errno.
 */
int ch_shm_reset(ch_shm *shm);

/*
 * Checks that a mapping of `size` bytes holds a header this build can read
 * and that every region lies inside it. Returns NULL if it does, else a
 * one-line reason. The only check of a header: the launcher calls it before
 * it reads through any offset, the agent before it writes through one (and
 * checks on its own that the record is for its pid). No allocation, no lock.
 */
const char *ch_shm_validate(const ch_shm_header *hdr, size_t size);

#endif
