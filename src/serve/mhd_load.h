/*
 * libmicrohttpd, loaded when `--http` opens its server (before the program
 * runs, so that a missing library fails like a bad address) rather than
 * whenever the launcher starts. Linked into the CLI, it brought gnutls and eight more
 * libraries into every run, served or not: 9-10 ms of a sampled run's
 * 20-30 ms of fixed CPU, and 220 of its 520 page faults (bench/RESULTS.md).
 *
 * mhd_load.c defines the MHD_ functions serve/http.c calls, each forwarding
 * to the library's own; none may be called before ch_mhd_load succeeded.
 */
#ifndef CGOHEAP_SERVE_MHD_LOAD_H
#define CGOHEAP_SERVE_MHD_LOAD_H

#include <stddef.h>

/* Loads the library once (later calls return at once). 0, or -1 with a one-line error. */
int ch_mhd_load(char *err, size_t errlen);

#endif
