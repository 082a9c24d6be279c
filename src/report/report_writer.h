/*
 * Writes a report's buffers to its FILE on a thread of its own. Writing a
 * report of gigabytes costs the kernel about as much time as formatting it
 * costs us; on a second core the two overlap. Two buffers take turns: one
 * is filled while the other is written.
 */
#ifndef CGOHEAP_REPORT_WRITER_H
#define CGOHEAP_REPORT_WRITER_H

#include <stddef.h>
#include <stdio.h>

typedef struct chr_writer chr_writer;

/* NULL if no thread could be started: the caller then writes by itself. */
chr_writer *chr_writer_start(FILE *sink);

/*
 * Hands buf[0..len) (of cap bytes) over to be written, once the previous
 * buffer has been. Returns that previous buffer to fill next, with its
 * capacity in *spare_cap, or NULL the first time.
 */
char *chr_writer_swap(chr_writer *w, char *buf, size_t len, size_t cap, size_t *spare_cap);

/* Waits for the last write and ends the thread; -1 if any write failed. */
int chr_writer_stop(chr_writer *w);

#endif
