/*
 * The exit path's frames are no roots (see exitpath.h).
 *
 * A C program that returns from main or calls exit() reaches exit_group
 * through exit -> __run_exit_handlers -> _exit, all in libc. Those frames
 * are larger than the ones main's callees had used just before, and an -O2
 * frame leaves slots it never writes: they keep the pointers older calls
 * left there. Measured on a program losing a 7-node tree (tests/progs/kinds/
 * tree.c, gcc -O2): __run_exit_handlers' frame held the root's address, so
 * the tree was "still reachable" in every run where valgrind says 24 bytes
 * definitely lost and 144 indirectly. Once exit_group runs, every exit
 * handler has run and those frames are dead; the caller of exit() is not
 * (main, when main called exit(0) holding a pointer: valgrind keeps that
 * frame too), nor is anything above it. When main returned, its own frame
 * lies below __libc_start_call_main's stack pointer and is dead as well.
 *
 * The frames are found by unwinding the stopped thread from its registers
 * with libc's .eh_frame (libdw's CFI reader over the file the symbolizer's
 * ELF reader opened, the one the kernel had mapped) and named by libc's
 * symbol table: the innermost frame must be _exit (or _Exit), the walk goes
 * outwards through libc's frames, and the live stack starts at the caller
 * of the outermost exit-machinery frame. A libc without a full symbol table
 * (Debian's keeps .dynsym only) names no __run_exit_handlers: an unnamed
 * libc frame is passed over, and counts only if a named exit function lies
 * beyond it. Anything unexpected (no CFI, a rule on another register, a
 * frame pointer going down, frames larger than MAX_EXIT_BYTES) keeps the
 * whole stack from the stack pointer, as before.
 */
#include "collect/exitpath.h"
#include "symbolize/sym_elf.h"
#include "symbolize/sym_symtab.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#define MAX_FRAMES 8
/* glibc 2.36's exit frames take 0x70 bytes: a cut far above that is no exit path. */
#define MAX_EXIT_BYTES (64u << 10)
#define DW_RBP 6
#define DW_RSP 7

typedef struct frame_regs {
    uint64_t pc, sp, bp;
    bool bp_known;
} frame_regs;

typedef struct exit_unwind {
    const ch_module *libc;
    sym_elf elf;
    Dwarf_CFI *cfi;
    ch_read_fn read;
    void *rctx;
} exit_unwind;

static bool is_exit_fn(const char *name)
{
    static const char *const exit_fns[] = {"exit", "_exit", "_Exit", "quick_exit",
                                           "__run_exit_handlers"};
    if (!strncmp(name, "__GI_", 5)) /* glibc's internal aliases, in a full .symtab */
        name += 5;
    for (size_t i = 0; i < sizeof exit_fns / sizeof *exit_fns; i++)
        if (!strcmp(name, exit_fns[i]))
            return true;
    return false;
}

static const ch_module *libc_of(const ch_profile *p, uint64_t pc)
{
    for (size_t i = 0; i < p->nmodules; i++) {
        const ch_module *m = &p->modules[i];
        if (pc < m->start || pc >= m->end || !m->path)
            continue;
        const char *b = strrchr(m->path, '/');
        b = b ? b + 1 : m->path;
        return !strncmp(b, "libc.so", 7) || !strncmp(b, "libc-", 5) ? m : NULL;
    }
    return NULL;
}

/* The value of a DWARF register in frame f; -1 if not tracked. */
static int reg_value(const frame_regs *f, uint64_t reg, uint64_t *v)
{
    if (reg == DW_RSP)
        *v = f->sp;
    else if (reg == DW_RBP && f->bp_known)
        *v = f->bp;
    else
        return -1;
    return 0;
}

/*
 * Evaluates what libdw makes of the CFI rules compilers emit: register +
 * offset (the CFA), CFA + offset (a saved register, or its value with
 * DW_OP_stack_value). Anything else is refused. *is_value: the result is
 * the register's value, not the address it is saved at.
 */
static int eval(const Dwarf_Op *ops, size_t n, const frame_regs *f, const uint64_t *cfa,
                uint64_t *out, bool *is_value)
{
    bool have = false;
    *is_value = false;
    for (size_t i = 0; i < n; i++) {
        uint8_t op = ops[i].atom;
        if (op == DW_OP_call_frame_cfa && cfa && !have) {
            *out = *cfa;
            have = true;
        } else if ((op == DW_OP_bregx || (op >= DW_OP_breg0 && op <= DW_OP_breg31)) && !have) {
            uint64_t reg = op == DW_OP_bregx ? ops[i].number : (uint64_t)(op - DW_OP_breg0);
            uint64_t off = op == DW_OP_bregx ? ops[i].number2 : ops[i].number;
            if (reg_value(f, reg, out))
                return -1;
            *out += off; /* a signed offset, added modulo 2^64 */
            have = true;
        } else if (op == DW_OP_plus_uconst && have) {
            *out += ops[i].number;
        } else if (op == DW_OP_stack_value && have && i + 1 == n) {
            *is_value = true;
        } else {
            return -1;
        }
    }
    return have ? 0 : -1;
}

/* The caller's value of register reg: 1 recovered in *v, 0 unchanged, -1 unknown. */
static int caller_reg(exit_unwind *u, Dwarf_Frame *fr, int reg, const frame_regs *f, uint64_t cfa,
                      uint64_t *v)
{
    Dwarf_Op mem[3], *ops;
    size_t n;
    bool is_value;
    if (dwarf_frame_register(fr, reg, mem, &ops, &n) != 0)
        return -1;
    if (n == 0)
        return ops == NULL ? 0 : -1; /* same value, or undefined */
    if (eval(ops, n, f, &cfa, v, &is_value))
        return -1;
    return is_value || u->read(u->rctx, *v, v, sizeof *v) == (long)sizeof *v ? 1 : -1;
}

/* One frame outwards; pc is exact in the innermost frame, a return address above. */
static int step(exit_unwind *u, frame_regs *f, bool innermost)
{
    Dwarf_Frame *fr;
    uint64_t at = (innermost ? f->pc : f->pc - 1) - u->libc->bias;
    if (dwarf_cfi_addrframe(u->cfi, at, &fr) != 0)
        return -1;
    Dwarf_Op *ops;
    size_t n;
    bool signal = false, is_value;
    uint64_t cfa, ra, bp = f->bp;
    int ra_reg = dwarf_frame_info(fr, NULL, NULL, &signal);
    int rc = -1;
    if (ra_reg >= 0 && !signal && dwarf_frame_cfa(fr, &ops, &n) == 0 &&
        eval(ops, n, f, NULL, &cfa, &is_value) == 0 && !is_value && cfa > f->sp &&
        caller_reg(u, fr, ra_reg, f, cfa, &ra) == 1) {
        int b = caller_reg(u, fr, DW_RBP, f, cfa, &bp);
        bool bp_known = b == 1 || (b == 0 && f->bp_known);
        *f = (frame_regs){.pc = ra, .sp = cfa, .bp = bp, .bp_known = bp_known};
        rc = 0;
    }
    free(fr);
    return rc;
}

/* The few frames are named without a table of libc's symbols (sym_symtab_find_once):
 * making one took 1.1-1.4 ms of this phase's 2-3, mostly in page faults. */
static const char *fn_name(const exit_unwind *u, uint64_t pc)
{
    sym_symbol s;
    return sym_symtab_find_once(&u->elf, pc - u->libc->bias, &s) > 0 && s.sized ? s.name : NULL;
}

/* The stack pointer of the exit machinery's caller, or 0 with why set. */
static uint64_t walk(exit_unwind *u, const struct user_regs_struct *r, char *why, size_t whylen)
{
    frame_regs f = {.pc = r->rip, .sp = r->rsp, .bp = r->rbp, .bp_known = true};
    uint64_t live = 0;
    for (int k = 0; k < MAX_FRAMES && f.pc >= u->libc->start && f.pc < u->libc->end; k++) {
        const char *name = fn_name(u, k ? f.pc - 1 : f.pc);
        bool exit_fn = name && is_exit_fn(name);
        if (!exit_fn && (k == 0 || name))
            break; /* not (or no longer) the exit machinery */
        if (step(u, &f, k == 0)) {
            if (!live)
                snprintf(why, whylen, "no usable CFI in %s", name ? name : "libc");
            break;
        }
        if (exit_fn)
            live = f.sp;
    }
    if (!live && !why[0])
        snprintf(why, whylen, "the thread is not in libc's _exit");
    if (live && live - r->rsp > MAX_EXIT_BYTES) {
        snprintf(why, whylen, "implausible exit frames (%llu bytes)",
                 (unsigned long long)(live - r->rsp));
        live = 0;
    }
    return live;
}

uint64_t ch_exit_live_sp(const ch_profile *p, const struct user_regs_struct *regs, ch_read_fn read,
                         void *rctx, char *why, size_t whylen)
{
    why[0] = 0;
    if (regs->orig_rax != SYS_exit_group)
        return regs->rsp;
    exit_unwind u = {.libc = libc_of(p, regs->rip), .read = read, .rctx = rctx};
    if (!u.libc) {
        snprintf(why, whylen, "the thread is not in libc");
        return regs->rsp;
    }
    if (u.libc->replaced || sym_elf_open_as(&u.elf, u.libc->path, u.libc->dev, u.libc->ino)) {
        snprintf(why, whylen, "cannot read %s", u.libc->path);
        return regs->rsp;
    }
    uint64_t live = 0;
    if (!(u.cfi = dwarf_getcfi_elf(u.elf.elf)))
        snprintf(why, whylen, "no .eh_frame in %s", u.libc->path);
    else
        live = walk(&u, regs, why, whylen);
    if (u.cfi)
        dwarf_cfi_end(u.cfi);
    sym_elf_close(&u.elf);
    return live ? live : regs->rsp;
}
