/* A minimal protocol-buffers encoder; see report_pb.h. */
#include "report/report_pb.h"
#include "common/big_alloc.h"
#include <stdlib.h>
#include <string.h>

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

void chr_pb_free(chr_pb *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void chr_pb_reset(chr_pb *b)
{
    b->len = 0;
}

static bool reserve(chr_pb *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void chr_pb_reserve(chr_pb *b, size_t n)
{
    if (n <= b->cap || b->failed)
        return;
    if (!b->data && n >= CH_BIG_MIN) { /* in 2 MiB pages: a fresh 4 KiB page is a fault */
        b->data = ch_big_alloc(n);
        b->cap = b->data ? n : 0;
        b->failed = !b->data;
        return;
    }
    reserve(b, n - b->len);
}

static void put_varint(chr_pb *b, uint64_t v)
{
    if (!reserve(b, 10)) /* 64 bits in 7-bit groups */
        return;
    while (v >= 0x80) {
        b->data[b->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->data[b->len++] = (uint8_t)v;
}

static void put_tag(chr_pb *b, uint32_t field, unsigned wire)
{
    put_varint(b, ((uint64_t)field << 3) | wire);
}

void chr_pb_varint_field(chr_pb *b, uint32_t field, uint64_t v)
{
    put_tag(b, field, WIRE_VARINT);
    put_varint(b, v);
}

void chr_pb_varint_opt(chr_pb *b, uint32_t field, uint64_t v)
{
    if (v != 0)
        chr_pb_varint_field(b, field, v);
}

void chr_pb_bool_opt(chr_pb *b, uint32_t field, bool v)
{
    if (v)
        chr_pb_varint_field(b, field, 1);
}

void chr_pb_raw(chr_pb *b, const chr_pb *raw)
{
    if (raw->len == 0 || !reserve(b, raw->len))
        return;
    memcpy(b->data + b->len, raw->data, raw->len);
    b->len += raw->len;
}

void chr_pb_bytes_field(chr_pb *b, uint32_t field, const void *p, size_t n)
{
    put_tag(b, field, WIRE_LEN);
    put_varint(b, n);
    if (n == 0 || !reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void chr_pb_message_field(chr_pb *b, uint32_t field, const chr_pb *sub)
{
    if (sub->failed) {
        b->failed = true;
        return;
    }
    chr_pb_bytes_field(b, field, sub->data, sub->len);
}

static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

void chr_pb_varints(chr_pb *b, const uint64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_varint(b, v[i]);
}

void chr_pb_packed_field(chr_pb *b, uint32_t field, const uint64_t *v, size_t n)
{
    if (n == 0)
        return;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += varint_size(v[i]);
    put_tag(b, field, WIRE_LEN);
    put_varint(b, bytes);
    chr_pb_varints(b, v, n);
}
