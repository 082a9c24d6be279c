/*
 * DWARF CFI for one return address: find its FDE (ehframe.c), run the
 * call-frame instructions up to pc-1, and reduce the row to a compact ch_rule.
 *
 * Only what x86-64 compilers emit is modelled. We track just the CFA, RBP
 * and the return-address column: the unwinder needs RSP (= CFA) and RBP
 * (CFA may be RBP-based in a caller, and the Go frame-pointer walk starts
 * from it); other callee-saved registers never define a CFA at a call site
 * in compiler output. Anything else (expressions, a CFA on another register)
 * yields CH_RULE_STOP: the stack simply ends there.
 */
#include "agent/ehframe.h"
#include "agent/rule.h"
#include "agent/rules_shared.h"
#include "agent/state.h"

#include <string.h>

#define DW_REG_RBP 6u
#define DW_REG_RSP 7u
#define DW_REG_RA 16u
#define REMEMBER_DEPTH 8

enum { R_UNSPEC = 0, R_SAME, R_UNDEF, R_OFFSET, R_VALOFF, R_OTHER };

typedef struct reg_rule {
    uint8_t kind;
    int64_t off;
} reg_rule;

typedef struct cfi_row {
    uint64_t cfa_reg;
    int64_t cfa_off;
    int cfa_expr;
    reg_rule rbp, ra;
} cfi_row;

typedef struct cfi_exec {
    const cie_info *cie;
    cfi_row row;
    cfi_row initial; /* after the CIE's instructions: target of DW_CFA_restore */
    cfi_row saved[REMEMBER_DEPTH];
    int nsaved;
    uint64_t loc, target;
} cfi_exec;

static reg_rule *reg_slot(cfi_exec *x, uint64_t reg)
{
    if (reg == DW_REG_RBP)
        return &x->row.rbp;
    if (reg == x->cie->ra_reg)
        return &x->row.ra;
    return NULL; /* a register we do not track */
}

static void set_reg(cfi_exec *x, uint64_t reg, uint8_t kind, int64_t off)
{
    reg_rule *r = reg_slot(x, reg);
    if (r) {
        r->kind = kind;
        r->off = off;
    }
}

static void restore_reg(cfi_exec *x, uint64_t reg)
{
    reg_rule *r = reg_slot(x, reg);
    if (r)
        *r = reg == DW_REG_RBP ? x->initial.rbp : x->initial.ra;
}

/* Advances the location; returns 0 when the new row starts past the target. */
static int advance(cfi_exec *x, uint64_t delta)
{
    if (x->target - x->loc < delta)
        return 0;
    x->loc += delta;
    return 1;
}

static void skip_block(ch_cursor *c)
{
    uint64_t len = cur_uleb(c);
    if (cur_need(c, len))
        c->p += len;
}

static void def_cfa(cfi_exec *x, uint64_t reg, int64_t off)
{
    x->row.cfa_reg = reg;
    x->row.cfa_off = off;
    x->row.cfa_expr = 0;
}

/*
 * One instruction with a 0x00..0x3f opcode. Returns 0 when the next row
 * starts past the target (stop, the row is complete); errors clear c->ok.
 */
static int exec_extended(cfi_exec *x, ch_cursor *c, uint8_t op)
{
    const cie_info *ci = x->cie;
    uint64_t reg;
    switch (op) {
    case 0x00: /* nop */
        return 1;
    case 0x02: /* advance_loc1 */
        return advance(x, cur_u8(c) * ci->code_align);
    case 0x03: /* advance_loc2 */
        return advance(x, cur_fixed(c, 2) * ci->code_align);
    case 0x04: /* advance_loc4 */
        return advance(x, cur_fixed(c, 4) * ci->code_align);
    case 0x05: /* offset_extended */
        reg = cur_uleb(c);
        set_reg(x, reg, R_OFFSET, (int64_t)cur_uleb(c) * ci->data_align);
        return 1;
    case 0x06: /* restore_extended */
        restore_reg(x, cur_uleb(c));
        return 1;
    case 0x07: /* undefined */
        set_reg(x, cur_uleb(c), R_UNDEF, 0);
        return 1;
    case 0x08: /* same_value */
        set_reg(x, cur_uleb(c), R_SAME, 0);
        return 1;
    case 0x09: /* register: the value lives in another register we do not track */
        reg = cur_uleb(c);
        (void)cur_uleb(c);
        set_reg(x, reg, R_OTHER, 0);
        return 1;
    case 0x0a: /* remember_state */
        if (x->nsaved == REMEMBER_DEPTH)
            return c->ok = 0;
        x->saved[x->nsaved++] = x->row;
        return 1;
    case 0x0b: /* restore_state */
        if (x->nsaved == 0)
            return c->ok = 0;
        x->row = x->saved[--x->nsaved];
        return 1;
    case 0x0c: /* def_cfa */
        reg = cur_uleb(c);
        def_cfa(x, reg, (int64_t)cur_uleb(c));
        return 1;
    case 0x0d: /* def_cfa_register */
        def_cfa(x, cur_uleb(c), x->row.cfa_off);
        return 1;
    case 0x0e: /* def_cfa_offset */
        x->row.cfa_off = (int64_t)cur_uleb(c);
        return 1;
    case 0x0f: /* def_cfa_expression: not modelled; a later def_cfa may override it */
        x->row.cfa_expr = 1;
        skip_block(c);
        return 1;
    case 0x10: /* expression */
    case 0x16: /* val_expression */
        set_reg(x, cur_uleb(c), R_OTHER, 0);
        skip_block(c);
        return 1;
    case 0x11: /* offset_extended_sf */
        reg = cur_uleb(c);
        set_reg(x, reg, R_OFFSET, cur_sleb(c) * ci->data_align);
        return 1;
    case 0x12: /* def_cfa_sf */
        reg = cur_uleb(c);
        def_cfa(x, reg, cur_sleb(c) * ci->data_align);
        return 1;
    case 0x13: /* def_cfa_offset_sf */
        x->row.cfa_off = cur_sleb(c) * ci->data_align;
        return 1;
    case 0x14: /* val_offset */
        reg = cur_uleb(c);
        set_reg(x, reg, R_VALOFF, (int64_t)cur_uleb(c) * ci->data_align);
        return 1;
    case 0x15: /* val_offset_sf */
        reg = cur_uleb(c);
        set_reg(x, reg, R_VALOFF, cur_sleb(c) * ci->data_align);
        return 1;
    case 0x2e: /* GNU_args_size */
        (void)cur_uleb(c);
        return 1;
    case 0x2f: /* GNU_negative_offset_extended */
        reg = cur_uleb(c);
        set_reg(x, reg, R_OFFSET, -(int64_t)cur_uleb(c) * ci->data_align);
        return 1;
    default: /* unknown opcode: its operand length is unknown too */
        return c->ok = 0;
    }
}

/*
 * Runs instructions until the row containing the target is complete.
 * Returns 0 on a parse error.
 */
static int run(cfi_exec *x, const uint8_t *p, const uint8_t *end)
{
    ch_cursor c = {p, end, 1};
    while (c.ok && c.p < c.end) {
        uint8_t op = *c.p++;
        uint8_t arg = op & 0x3f;
        int more = 1;
        if ((op & 0xc0) == 0x40) /* advance_loc */
            more = advance(x, arg * x->cie->code_align);
        else if ((op & 0xc0) == 0x80) /* offset */
            set_reg(x, arg, R_OFFSET, (int64_t)cur_uleb(&c) * x->cie->data_align);
        else if ((op & 0xc0) == 0xc0) /* restore */
            restore_reg(x, arg);
        else if (op == 0x01) { /* set_loc */
            uint64_t loc = cur_encoded(&c, x->cie->fde_enc, 0, NULL);
            more = loc <= x->target;
            if (more)
                x->loc = loc;
        } else
            more = exec_extended(x, &c, op);
        if (!more)
            break;
    }
    return c.ok;
}

static int rule_from_row(const cfi_row *r, ch_rule *out)
{
    uint8_t rbp = CH_RBP_SAME;
    if (r->cfa_expr || (r->cfa_reg != DW_REG_RSP && r->cfa_reg != DW_REG_RBP) ||
        r->cfa_off != (int32_t)r->cfa_off)
        return CH_RULE_STOP;
    if (r->ra.kind == R_UNDEF)
        return CH_RULE_END;
    if (r->ra.kind != R_OFFSET || (r->ra.off & 7) || r->ra.off / 8 != (int8_t)(r->ra.off / 8))
        return CH_RULE_STOP;
    if (r->rbp.kind == R_OFFSET || r->rbp.kind == R_VALOFF) {
        if (r->rbp.off != (int16_t)r->rbp.off)
            return CH_RULE_STOP;
        rbp = r->rbp.kind == R_OFFSET ? CH_RBP_OFFSET : CH_RBP_VALOFF;
        out->rbp_off = (int16_t)r->rbp.off;
    } else if (r->rbp.kind == R_UNDEF) {
        rbp = CH_RBP_UNDEF;
    } else if (r->rbp.kind == R_OTHER) {
        return CH_RULE_STOP;
    }
    out->cfa_off = (int32_t)r->cfa_off;
    out->ra_off8 = (int8_t)(r->ra.off / 8);
    out->flags = CH_RULE_MAKE(CH_RULE_CFI, r->cfa_reg == DW_REG_RBP, rbp);
    return CH_RULE_CFI;
}

static int rule_for_fde(const ch_mod *m, const uint8_t *fde, uint64_t target, ch_rule *out)
{
    cie_info ci;
    cfi_exec x;
    ch_cursor insns;
    uint64_t pc_begin;
    if (!ch_open_fde(m, fde, target, &ci, &pc_begin, &insns))
        return CH_RULE_NOFDE;
    memset(&x, 0, sizeof x);
    x.cie = &ci;
    x.target = ~0ull; /* the CIE's instructions describe the entry row: run them all */
    if (!run(&x, ci.insn, ci.insn_end) || ci.ra_reg != DW_REG_RA)
        return CH_RULE_STOP;
    x.initial = x.row;
    x.nsaved = 0;
    x.loc = pc_begin;
    x.target = target;
    if (!run(&x, insns.p, insns.end))
        return CH_RULE_STOP;
    return rule_from_row(&x.row, out);
}

/*
 * Looks in the process-wide cache first (rules_shared.h), and adds what it
 * parses there; in exact mode (no caches) it parses every time.
 */
int ch_cfi_rule(uint64_t pc, ch_rule *out)
{
    ch_mod m;
    uint64_t target = pc - 1; /* pc is a return address: the call is before it */
    uint64_t gen = ch_modules_gen();
    int kind = CH_RULE_NOFDE;
    /* After the generation (modules.h): a dlclose in progress may have filled it since. */
    int cached = !ch_g.exact && !ch_modules_unsettled();
    if (cached && ch_rules_shared_get(pc, gen, out))
        return 1;
    memset(out, 0, sizeof *out);
    out->pc = pc;
    int found = ch_module_find(target, &m);
    if ((found & CH_MOD_FOUND) && m.eh_hdr) {
        const uint8_t *fde = ch_find_fde(&m, target);
        if (fde)
            kind = rule_for_fde(&m, fde, target, out);
    }
    if (kind != CH_RULE_CFI)
        out->flags = (uint8_t)kind;
    if (found & CH_MOD_UNSURE)
        return 0; /* right for this walk; the next one looks again */
    if (cached)
        ch_rules_shared_put(out, gen);
    return 1;
}
