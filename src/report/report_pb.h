/*
 * A minimal protocol-buffers encoder: just what profile.proto needs
 * (varints, length-delimited fields, packed repeated varints).
 *
 * Allocation failure is sticky: after the first one every call is a no-op and
 * `failed` stays set, so callers check once at the end instead of after every
 * field.
 */
#ifndef CGOHEAP_REPORT_PB_H
#define CGOHEAP_REPORT_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct chr_pb {
    uint8_t *data;
    size_t len, cap;
    bool failed;
} chr_pb;

void chr_pb_free(chr_pb *b);
void chr_pb_reset(chr_pb *b); /* len = 0, keeps the memory */
/* Makes room for at least n bytes in all (allocated, not touched). */
void chr_pb_reserve(chr_pb *b, size_t n);

/* Field with wire type 0 (varint); written even when v is 0. */
void chr_pb_varint_field(chr_pb *b, uint32_t field, uint64_t v);
/* The same, skipped when v is 0 (proto3 default). */
void chr_pb_varint_opt(chr_pb *b, uint32_t field, uint64_t v);
void chr_pb_bool_opt(chr_pb *b, uint32_t field, bool v);
/* Field with wire type 2: bytes, a string or an encoded sub-message. */
/* Appends raw's bytes as they are: fields encoded elsewhere. */
void chr_pb_raw(chr_pb *b, const chr_pb *raw);
void chr_pb_bytes_field(chr_pb *b, uint32_t field, const void *p, size_t n);
void chr_pb_message_field(chr_pb *b, uint32_t field, const chr_pb *sub);
/* Packed repeated varints (uint64 or two's-complement int64 alike). */
/* n varints, no tag: the body of a packed field, for chr_pb_bytes_field. */
void chr_pb_varints(chr_pb *b, const uint64_t *v, size_t n);
void chr_pb_packed_field(chr_pb *b, uint32_t field, const uint64_t *v, size_t n);

#endif
