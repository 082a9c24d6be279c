/*
 * Precise goroutine stacks (see gostack.h), after runtime/stkframe.go
 * (getStackMap) and mgcmark.go (scanframeworker) of Go 1.19 to 1.23, amd64:
 *
 *   fp   = sp + pcsp(pc) + 8          the caller's SP; [fp - 8] is the return address
 *   varp = fp - 8, less 8 more for the saved frame pointer if the frame has locals
 *   locals: bit i of the locals map at the pc's stack map index is the word
 *           at varp - 8 * nbit + 8 * i; args: bit i of the args map is fp + 8 * i
 *   stack objects (address-taken locals, not in the bitmaps): {off, size}
 *           from varp (off < 0) or fp; kept whole here, where Go scans them
 *           only if some live pointer reaches them.
 *
 * Anything the maps do not describe is kept whole rather than guessed: a
 * frame without a locals map (assembly), a pc without a stack map index, a
 * frame interrupted anywhere (a thread's own pc, or the one
 * runtime.asyncPreempt interrupted), and a goroutine whose walk cannot go
 * on keeps the rest of its stack. The maps come from the file; only the
 * stack words (return addresses) are read from the target, and every one
 * is checked to stay inside the stack.
 */
#include "collect/gostack.h"

#include <stdio.h>
#include <string.h>

#define MAX_FRAMES 100000 /* a 1 GB stack of 10 KiB frames */
#define ARGS_SIZE_UNKNOWN INT32_MIN

int ch_gostack_open(ch_gostack *s, const char *path, uint64_t bias)
{
    memset(s, 0, sizeof *s);
    if (sym_elf_open(&s->elf, path) != 0)
        return -1;
    if (sym_gotab_init(&s->tab, &s->elf) != 0 || s->tab.gofunc == 0) {
        sym_elf_close(&s->elf);
        return -1;
    }
    s->bias = bias;
    return 0;
}

void ch_gostack_close(ch_gostack *s)
{
    sym_elf_close(&s->elf);
}

/* Bitmap idx of a stack map {int32 n, int32 nbit, bytes}; NULL if out of bounds. */
static const uint8_t *map_bits(sym_bytes m, int32_t idx, uint32_t *nbit)
{
    uint32_t n;
    if (idx < 0 || sym_read_u32(m, 0, &n) || sym_read_u32(m, 4, nbit) || (uint32_t)idx >= n ||
        *nbit > (1u << 27))
        return NULL;
    uint64_t bytes = (*nbit + 7) / 8, at = 8 + (uint64_t)idx * bytes;
    if (at > m.n || m.n - at < bytes)
        return NULL;
    return m.p + at;
}

static int keep_bits(ch_range_list *keep, const uint8_t *bits, uint32_t nbit, uint64_t base)
{
    for (uint32_t i = 0; i < nbit; i++)
        if (bits[i / 8] >> (i % 8) & 1 && ch_range_add(keep, base + 8ull * i, base + 8ull * i + 8))
            return -1;
    return 0;
}

/* The locals of one frame: [varp - 8 * nbit, varp) by its map, or [sp, varp) whole. */
static int keep_locals(ch_gostack *s, const sym_goframe *f, bool whole, uint64_t sp, uint64_t varp,
                       ch_range_list *keep)
{
    if (varp == sp)
        return 0;
    uint32_t nbit = 0;
    const uint8_t *bits = whole || !f->locals.n
                              ? NULL
                              : map_bits(f->locals, f->mapindex < 0 ? -1 : f->mapindex, &nbit);
    if (!bits || 8ull * nbit > varp - sp) {
        s->whole++;
        return ch_range_add(keep, sp, varp);
    }
    s->precise++;
    return keep_bits(keep, bits, nbit, varp - 8ull * nbit);
}

/* The arguments: [fp, fp + args) by the args map, whole if there is none. */
static int keep_args(const sym_goframe *f, uint64_t fp, uint64_t hi, ch_range_list *keep)
{
    if (f->args <= 0)
        return 0;
    uint64_t end = fp + (uint64_t)f->args < hi ? fp + (uint64_t)f->args : hi;
    uint32_t nbit = 0;
    const uint8_t *bits = f->argmaps.n ? map_bits(f->argmaps, f->mapindex, &nbit) : NULL;
    if (!bits || fp + 8ull * nbit > end)
        return ch_range_add(keep, fp, end);
    return keep_bits(keep, bits, nbit, fp);
}

/* Stack objects: a count, then {int32 off, size, ptrdata; uint32 gcdataoff} each. */
static int keep_objects(const sym_goframe *f, uint64_t sp, uint64_t varp, uint64_t fp, uint64_t hi,
                        ch_range_list *keep)
{
    uint64_t n;
    if (!f->objects.n || sym_read_u64(f->objects, 0, &n) || n > f->objects.n / 16)
        return 0;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t off, size;
        if (sym_read_u32(f->objects, 8 + 16 * i, &off) ||
            sym_read_u32(f->objects, 12 + 16 * i, &size))
            return -1;
        uint64_t at = (int32_t)off < 0 ? varp + (int64_t)(int32_t)off : fp + off;
        if (at < sp || at >= hi)
            continue; /* not allocated in the frame yet (Go skips it too) */
        if (ch_range_add(keep, at, at + size < hi ? at + size : hi))
            return -1;
    }
    return 0;
}

/*
 * The frame running pc with stack pointer sp: its table entry and the
 * caller's stack pointer *fp ([fp - 8] is the return address). Returns 0,
 * 1 at runtime.goexit (every goroutine's first frame: nothing of its own),
 * -1 where the walk cannot go on.
 */
static int frame_at(const ch_gostack *s, uint64_t pc, uint64_t sp, uint64_t hi, sym_goframe *f,
                    uint64_t *fp)
{
    if (pc < s->bias || sym_gotab_frame(&s->tab, pc - s->bias, f) || f->spdelta < 0)
        return -1;
    if (f->args == ARGS_SIZE_UNKNOWN)
        f->args = 0; /* assembly taking its arguments in registers: none (as Go's GC) */
    if (f->name && !strcmp(f->name, "runtime.goexit"))
        return 1;
    *fp = sp + (uint64_t)f->spdelta + 8;
    return *fp > hi || *fp < sp ? -1 : 0;
}

int ch_gostack_walk(ch_gostack *s, ch_read_fn read, void *ctx, uint64_t pc, uint64_t sp,
                    uint64_t hi, bool interrupted, ch_range_list *keep)
{
    bool whole = interrupted;
    for (int depth = 0; depth < MAX_FRAMES && sp < hi; depth++) {
        sym_goframe f;
        uint64_t fp;
        int at = frame_at(s, pc, sp, hi, &f, &fp);
        if (at > 0)
            return 0;
        if (at < 0)
            break;
        uint64_t varp = fp - 8;
        if (varp > sp)
            varp -= 8; /* the caller's frame pointer, saved by the prologue */
        if (keep_locals(s, &f, whole, sp, varp, keep) || keep_args(&f, fp, hi, keep) ||
            keep_objects(&f, sp, varp, fp, hi, keep))
            return -1;
        whole = f.name && !strcmp(f.name, "runtime.asyncPreempt");
        uint64_t ret;
        if (read(ctx, fp - 8, &ret, sizeof ret) != (long)sizeof ret)
            break;
        pc = ret;
        sp = fp;
    }
    s->failed++;
    return -1;
}

uint64_t ch_gostack_frame_of(const ch_gostack *s, ch_read_fn read, void *ctx, uint64_t pc,
                             uint64_t sp, uint64_t hi, uint64_t addr)
{
    for (int depth = 0; depth < MAX_FRAMES && sp < hi && sp <= addr; depth++) {
        sym_goframe f;
        uint64_t fp, ret;
        if (frame_at(s, pc, sp, hi, &f, &fp))
            return 0;
        if (addr < fp)
            return pc;
        if (read(ctx, fp - 8, &ret, sizeof ret) != (long)sizeof ret)
            return 0;
        pc = ret;
        sp = fp;
    }
    return 0;
}
