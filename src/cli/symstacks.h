/*
 * The recorded stacks as the reports see them: how far each is symbolized
 * and which suppression matches it. A stack's frames are not kept: they are
 * made again from the symbolizer's per-PC memo whenever a report asks, since
 * a million stacks of forty frames would hold gigabytes. Suppressions are
 * matched per distinct PC for the same reason: stacks share most of theirs.
 */
#ifndef CGOHEAP_SYMSTACKS_H
#define CGOHEAP_SYMSTACKS_H

#include "analyze/analyze.h"
#include "symbolize/symbolize.h"

typedef enum ch_sym_level {
    CH_SYM_NONE,  /* the reports show raw PCs (module and offset) */
    CH_SYM_NAMES, /* ch_symbolize_stack_names */
    CH_SYM_FULL,  /* ch_symbolize_stack */
} ch_sym_level;

typedef struct ch_symstacks ch_symstacks;

/* Every stack starts at CH_SYM_NONE. All three arguments must outlive the result. */
ch_symstacks *ch_symstacks_new(const ch_profile *prof, ch_symbolizer *sym,
                               const ch_suppressions *supp);
void ch_symstacks_free(ch_symstacks *s);

ch_sym_level ch_symstacks_level(const ch_symstacks *s, uint32_t stack_id);
void ch_symstacks_set_level(ch_symstacks *s, uint32_t stack_id, ch_sym_level level);

/*
 * The suppression pattern matching stack_id symbolized at `level` (names or
 * full), or NULL: what ch_supp_match would answer for that symbolized stack.
 */
const char *ch_symstacks_match(ch_symstacks *s, uint32_t stack_id, ch_sym_level level);

/*
 * A stack's frames at its level, for ch_report_input.stack_frames (ctx is
 * the ch_symstacks): none at CH_SYM_NONE. 0, or -1 when out of memory.
 */
int ch_symstacks_frames(void *ctx, uint32_t stack_id, ch_symstack *out);

#endif
