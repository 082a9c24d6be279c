/*
 * gzip in memory with zlib's deflate, then plain stdio: this keeps errno
 * meaningful for the caller, which gzopen/gzwrite do not guarantee.
 */
#include "report/report_gzip.h"
#include "common/grow.h"
#include "common/outfile.h"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

/* windowBits 15 + 16 asks zlib for a gzip header and trailer instead of zlib's. */
#define GZIP_WINDOW_BITS (15 + 16)

/* zlib counts in uInt: feed and drain at most 1 GiB per deflate call. */
static uInt clamp_uint(size_t n)
{
    return (uInt)(n > (1u << 30) ? (1u << 30) : n);
}

static int deflate_all(const unsigned char *in, size_t len, unsigned char **out, size_t *outlen)
{
    z_stream zs = {0};
    /* Fastest, as Go's runtime/pprof writes its profiles: a million
     * stacks took seconds at the default level, for a file a third smaller. */
    if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, GZIP_WINDOW_BITS, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return -1;
    size_t cap = len / 4 + 1024, used = 0;
    unsigned char *buf = malloc(cap);
    int rc = buf ? Z_OK : Z_MEM_ERROR;
    zs.next_in = (Bytef *)in; /* zlib's API is not const-correct; it only reads */
    while (rc == Z_OK) {
        size_t in_left = len - (size_t)(zs.next_in - in);
        zs.avail_in = clamp_uint(in_left);
        zs.next_out = buf + used;
        zs.avail_out = clamp_uint(cap - used);
        uInt room = zs.avail_out;
        rc = deflate(&zs, zs.avail_in == in_left ? Z_FINISH : Z_NO_FLUSH);
        used += room - zs.avail_out;
        /* Z_BUF_ERROR: no progress without more output room. */
        if ((rc == Z_OK || rc == Z_BUF_ERROR) && zs.avail_out == 0) {
            unsigned char *grown = ch_grow(buf, &cap, 1, 1);
            rc = grown ? Z_OK : Z_MEM_ERROR;
            buf = grown ? grown : buf;
        }
    }
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = used;
    return 0;
}

int chr_gzip(const void *data, size_t len, unsigned char **out, size_t *outlen)
{
    if (deflate_all(data, len, out, outlen) == 0)
        return 0;
    errno = ENOMEM;
    return -1;
}

int chr_write_gzip(const char *path, const void *data, size_t len)
{
    unsigned char *gz;
    size_t gzlen;
    if (deflate_all(data, len, &gz, &gzlen) != 0) {
        errno = ENOMEM;
        return -1;
    }
    FILE *f = ch_outfile_open(path);
    if (!f) {
        int e = errno;
        free(gz);
        errno = e;
        return -1;
    }
    size_t wrote = fwrite(gz, 1, gzlen, f);
    int e = ferror(f) ? errno : 0;
    free(gz);
    if (ch_outfile_close(f) != 0 && !e)
        e = errno;
    if (wrote != gzlen || e) {
        errno = e ? e : EIO;
        return -1;
    }
    return 0;
}
