/*
 * Locating and parsing .eh_frame records: the .eh_frame_hdr binary search,
 * FDEs and their CIEs. Every read is bounds-checked against the module's
 * readable segments, so a corrupt .eh_frame ends the walk instead of faulting.
 */
#ifndef CGOHEAP_AGENT_EHFRAME_H
#define CGOHEAP_AGENT_EHFRAME_H

#include "agent/dwarf.h"
#include "agent/modules.h"

#include <stdint.h>

/* What the CFI interpreter needs from a CIE. */
typedef struct cie_info {
    uint64_t code_align;
    int64_t data_align;
    uint64_t ra_reg;
    uint8_t fde_enc;
    int has_z;
    const uint8_t *insn, *insn_end;
} cie_info;

/* The FDE whose initial location is the greatest one <= target, or NULL. */
const uint8_t *ch_find_fde(const ch_mod *m, uint64_t target);

/*
 * Parses the FDE at p and its CIE. Returns 1 if the FDE covers target, with
 * its CIE, start address and instruction range.
 */
int ch_open_fde(const ch_mod *m, const uint8_t *p, uint64_t target, cie_info *ci,
                uint64_t *pc_begin, ch_cursor *insns);

#endif
