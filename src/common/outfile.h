/*
 * Report files, rewritten in place.
 *
 * fopen(path, "w") truncates an existing report to zero first. On ext4 that
 * frees the old blocks and, for a file written moments ago (the previous
 * run's report), costs 0.1 to 0.6 ms and makes the close start writeback
 * (the auto_da_alloc heuristic for truncate-and-rewrite). A run that reuses
 * its report path pays that every time. Instead the file is opened without
 * truncation, written from offset 0, and cut to its new length at the close.
 */
#ifndef CGOHEAP_COMMON_OUTFILE_H
#define CGOHEAP_COMMON_OUTFILE_H

#include <stdio.h>

/* Opens path for writing from its start (created 0666 & ~umask if missing). NULL, errno set. */
FILE *ch_outfile_open(const char *path);

/* Flushes, cuts a regular file at the current position, closes. 0, or -1 with errno set. */
int ch_outfile_close(FILE *f);

#endif
