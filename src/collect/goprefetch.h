/*
 * Reading a Go executable's runtime layouts (golayout.h) takes milliseconds
 * (its DWARF is compressed). The launcher has nothing to do while the
 * program runs, so it reads them then, on a thread of its own, and the
 * exit stop only picks the result up.
 */
#ifndef CGOHEAP_GOPREFETCH_H
#define CGOHEAP_GOPREFETCH_H

#include "collect/golayout.h"

#include <stddef.h>

typedef struct ch_go_prefetch ch_go_prefetch;

/* Starts reading the layouts of the file at path. NULL if no thread could be started. */
ch_go_prefetch *ch_go_prefetch_start(const char *path);

/*
 * If the prefetch read the same file as the one open on fd (same device
 * and inode: the program may have exec'd another one), waits for it and
 * returns its answer in *out / err like ch_go_layout_read; returns 1 if it
 * has no answer for this file (read it then).
 */
int ch_go_prefetch_take(ch_go_prefetch *pf, int fd, ch_go_layout *out, char *err, size_t errlen);

/*
 * Waits for the thread and frees everything; a prefetch whose answer was
 * never asked for (nothing to scan) is not waited for. NULL is ignored.
 */
void ch_go_prefetch_free(ch_go_prefetch *pf);

#endif
