/* Why the agent could not attach to a program, in words a user can act on. */
#ifndef CGOHEAP_UNTRACKED_H
#define CGOHEAP_UNTRACKED_H

#include <stdbool.h>
#include <stddef.h>

/* Looks at the program's image (the file it last exec'd) and writes one
 * sentence to why. *no_c_heap is set for a static Go program without cgo,
 * which has no C heap at all. */
void ch_untracked_reason(const char *image, char *why, size_t len, bool *no_c_heap);

#endif
