/*
 * Goroutine stacks scanned as Go's garbage collector scans them: frame by
 * frame, with the stack maps in the executable's .gopclntab, so that only
 * the slots live at each frame's safe point are roots.
 */
#ifndef CGOHEAP_GOSTACK_H
#define CGOHEAP_GOSTACK_H

#include "analyze/analyze.h"
#include "collect/goruntime.h"
#include "symbolize/sym_gopcln.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct ch_gostack {
    sym_elf elf;
    sym_gotab tab;
    uint64_t bias;  /* the load bias of the file holding the runtime */
    size_t precise; /* frames scanned with their stack maps */
    size_t whole;   /* frames scanned whole (no map at that pc, asm, interrupted) */
    size_t failed;  /* goroutines whose walk stopped early: the rest of the stack is kept whole */
} ch_gostack;

/* Opens path, the file holding the Go runtime (goroots.c), for its Go table.
 * Returns 0, or -1 (nothing to close). */
int ch_gostack_open(ch_gostack *s, const char *path, uint64_t bias);
void ch_gostack_close(ch_gostack *s);

/*
 * Adds to `keep` the live words of the goroutine stack [sp, hi) whose
 * innermost frame runs at pc; `interrupted` says pc may be any
 * instruction (a thread's register), not a safe point, so that frame is
 * kept whole. Returns 0 if the walk reached the goroutine's first frame,
 * -1 if it could not (some ranges may have been added; the caller keeps
 * [sp, hi) whole).
 */
int ch_gostack_walk(ch_gostack *s, ch_read_fn read, void *ctx, uint64_t pc, uint64_t sp,
                    uint64_t hi, bool interrupted, ch_range_list *keep);

/*
 * The pc of the frame, in the walk of the goroutine stack [sp, hi) from pc,
 * whose words [its sp, its caller's sp) hold addr: pc itself for the
 * innermost frame, a return address above it. 0 if the walk does not get
 * there (addr below sp, or a frame the table does not describe).
 */
uint64_t ch_gostack_frame_of(const ch_gostack *s, ch_read_fn read, void *ctx, uint64_t pc,
                             uint64_t sp, uint64_t hi, uint64_t addr);

#endif
