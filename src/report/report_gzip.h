/* Writes a buffer to a file as one gzip member (what pprof expects). */
#ifndef CGOHEAP_REPORT_GZIP_H
#define CGOHEAP_REPORT_GZIP_H

#include <stddef.h>

/* Returns 0, or -1 with errno set (ENOMEM, or the file system's error). */
int chr_write_gzip(const char *path, const void *data, size_t len);

/* The gzip member in memory: *out (malloc'ed, *outlen bytes). 0, or -1 (ENOMEM). */
int chr_gzip(const void *data, size_t len, unsigned char **out, size_t *outlen);

#endif
