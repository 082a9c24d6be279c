/*
 * The process-wide CFI rule cache: rules that any thread parsed, for every
 * thread. A thread's own rule cache (thread.c, unwind.c) stays the first
 * level; a miss there looks here before parsing .eh_frame (cfi.c).
 *
 * A rule is a function of the pc and the loaded modules, so one table
 * serves every thread under one module generation (modules.h). Entries are
 * only added, never changed, until a dlclose empties the table: readers take
 * no lock, and a writer that finds the lock taken simply does not add.
 */
#ifndef CGOHEAP_AGENT_RULES_SHARED_H
#define CGOHEAP_AGENT_RULES_SHARED_H

#include "agent/rule.h"

#include <stdint.h>

/*
 * Entries of the table (power of two): 128 KiB, one mapping made at the
 * first add, its pages touched by use (a rule lands on a page by its hash:
 * a thread whose walk meets a new return address may fault one in, 32 in a
 * process at most). A program's walks return through a few hundred to a few
 * thousand distinct addresses.
 */
#define CH_RULES_SHARED 8192u

/* Copies the rule for pc filled under module generation gen to *out; 0 if none. */
int ch_rules_shared_get(uint64_t pc, uint64_t gen, ch_rule *out);

/* Adds r (parsed under module generation gen), when that can be done without waiting. */
void ch_rules_shared_put(const ch_rule *r, uint64_t gen);

#endif
