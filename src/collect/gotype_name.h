/* The type name of a Go heap object, for --show-roots (roots_why.c). */
#ifndef CGOHEAP_GOTYPE_NAME_H
#define CGOHEAP_GOTYPE_NAME_H

#include "analyze/analyze.h"
#include "analyze/goheap.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Writes the name of object i's type ("main.holder") to out, read from the
 * stopped target, and returns 0; -1 when the runtime does not know it (Go
 * 1.21 and older; objects of 512 bytes or less, whose spans keep only
 * pointer bits; objects without pointers) or what was read is implausible.
 * Go 1.22+ keeps a type per object only in a malloc header (the object's
 * first word) or, for a large object, in its span; for a slice's array that
 * type is the element's. A type lies between runtime.types and
 * runtime.etypes, its name at runtime.types + its Str offset: a flags byte,
 * a varint length, the bytes.
 */
int ch_go_type_name(const ch_go_heap *h, uint64_t i, ch_read_fn read, void *ctx, char *out,
                    size_t len);

#endif
