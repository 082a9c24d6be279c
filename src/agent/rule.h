/*
 * The compact unwind rule for one return address: everything a frame step
 * needs, so a warm unwind is a cache probe and two loads per frame.
 */
#ifndef CGOHEAP_AGENT_RULE_H
#define CGOHEAP_AGENT_RULE_H

#include <stdint.h>

enum {
    CH_RULE_CFI = 0, /* step with cfa/ra/rbp below */
    CH_RULE_NOFDE,   /* no CFI for this pc (Go code, JIT...): continue by frame pointer */
    CH_RULE_END,     /* return address undefined: outermost frame */
    CH_RULE_STOP     /* CFI we do not model (expressions, odd registers): stop here */
};

enum {
    CH_RBP_SAME = 0, /* the caller's RBP is the current RBP */
    CH_RBP_OFFSET,   /* saved at CFA + rbp_off */
    CH_RBP_VALOFF,   /* equals CFA + rbp_off */
    CH_RBP_UNDEF     /* unknown: 0 */
};

#define CH_RULE_KIND(f) ((f)&3u)
#define CH_RULE_CFA_RBP 4u /* CFA is based on RBP (else RSP) */
#define CH_RULE_RBP(f) (((f) >> 3) & 3u)
#define CH_RULE_MAKE(kind, cfa_rbp, rbp) ((kind) | ((cfa_rbp) ? CH_RULE_CFA_RBP : 0) | ((rbp) << 3))

typedef struct ch_rule {
    uint64_t pc;     /* cache key: the return address; 0 = empty slot */
    int32_t cfa_off; /* CFA = (RBP or RSP) + cfa_off */
    int16_t rbp_off; /* see CH_RBP_* */
    int8_t ra_off8;  /* return address saved at CFA + 8 * ra_off8 */
    uint8_t flags;   /* CH_RULE_MAKE(...) */
} ch_rule;

_Static_assert(sizeof(ch_rule) == 16, "rule cache entries are 16 bytes");

/*
 * Rule cache entries per thread (power of two): 64 KiB, touched lazily,
 * two ways per set (entries i and i ^ 1: unwind.c, rule_for).
 * A thread starts with a small set of CH_RULE_SMALL entries (2 KiB, in the
 * first page of its cache: thread.c) and takes the whole cache, another
 * array, once it has filled CH_RULE_GROW_FILLS entries (thread.h): spread
 * over 64 KiB, the 5 or 6 return addresses of a thread that allocates from
 * one or two places touched 5 or 6 pages. The whole cache is filled again
 * as walks need it, from the process-wide table (rules_shared.h).
 */
#define CH_RULE_CACHE 4096u
#define CH_RULE_SMALL 128u
#define CH_RULE_GROW_FILLS 64u

/*
 * The rule for return address `pc`, on a miss of the thread's cache: from
 * the process-wide cache (rules_shared.h) or else the module's .eh_frame
 * (cfi.c), which every thread parsed for itself before. Returns 1 if the
 * rule may be cached.
 */
int ch_cfi_rule(uint64_t pc, ch_rule *out);

#endif
