/*
 * Where the Go runtime keeps its spans and goroutines, read from a Go
 * executable's symbol table and DWARF: addresses of runtime.mheap_ and
 * runtime.allgs, and the offsets of the struct members the launcher needs.
 * Layouts come from DWARF, never from constants, so one launcher works for
 * every Go version whose runtime keeps these members.
 */
#ifndef CGOHEAP_GOLAYOUT_H
#define CGOHEAP_GOLAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ch_go_layout {
    uint64_t entry;       /* ELF e_entry: with AT_ENTRY gives the load bias */
    bool pie;             /* ET_DYN: addresses below move by the load bias */
    uint64_t mheap_addr;  /* &runtime.mheap_ (link-time address) */
    uint64_t allgs_addr;  /* &runtime.allgs, a []*g */
    uint32_t allspans;    /* runtime.mheap.allspans, a []*mspan */
    uint32_t allarenas;   /* runtime.mheap.allArenas, a []arenaIdx, or CH_GO_NO_MEMBER */
    uint32_t span_start;  /* runtime.mspan.startAddr (uintptr) */
    uint32_t span_npages; /* runtime.mspan.npages (uintptr) */
    uint32_t span_state;  /* runtime.mspan.state (one byte) */
    uint32_t span_read;   /* bytes of an mspan that hold the members above */
    uint32_t g_lo, g_hi;  /* runtime.g.stack.lo / .hi */
    uint32_t g_sp;        /* runtime.g.sched.sp */
    uint32_t g_status;    /* runtime.g.atomicstatus (four bytes) */
    uint32_t g_read;      /* bytes of a g that hold the members above */
    /* For the precise stack walk; all three CH_GO_NO_MEMBER if any is missing. */
    uint32_t g_pc;        /* runtime.g.sched.pc */
    uint32_t g_syscallsp; /* runtime.g.syscallsp */
    uint32_t g_syscallpc; /* runtime.g.syscallpc */
    uint32_t g_goid;      /* runtime.g.goid, or CH_GO_NO_MEMBER (names roots only) */
    /* The Ms (threads), for their system (g0) stacks; allm_addr is 0 when
     * the runtime's DWARF lacks any of these. */
    uint64_t allm_addr;    /* &runtime.allm, a *m heading the m.alllink list */
    uint32_t m_g0;         /* runtime.m.g0 (*g) */
    uint32_t m_curg;       /* runtime.m.curg (*g) */
    uint32_t m_alllink;    /* runtime.m.alllink (*m) */
    uint32_t m_incgo;      /* runtime.m.incgo (bool): inside a cgo call */
    uint32_t m_ncgo;       /* runtime.m.ncgo (int32): cgo calls in progress */
    uint32_t m_isextra;    /* runtime.m.isextra (bool), or CH_GO_NO_MEMBER */
    uint32_t m_extra_in_c; /* runtime.m.isExtraInC (bool), or CH_GO_NO_MEMBER */
    uint32_t m_read;       /* sizeof(runtime.m) */
    /* The heap's objects and their finalizers (goheap.h); heap_ok is false
     * when the runtime's DWARF lacks any of these. */
    bool heap_ok;
    uint32_t span_elemsize;       /* runtime.mspan.elemsize (uintptr) */
    uint32_t span_freeindex;      /* runtime.mspan.freeindex */
    uint32_t span_freeindex_size; /* 8 (uintptr, to Go 1.21) or 2 (uint16) */
    uint32_t span_allocbits;      /* runtime.mspan.allocBits (*gcBits) */
    uint32_t span_specials;       /* runtime.mspan.specials (*special) */
    uint32_t special_next;        /* runtime.special.next (*special) */
    uint32_t special_offset;      /* runtime.special.offset (uint16) */
    uint32_t special_kind;        /* runtime.special.kind (byte) */
    uint32_t special_read;        /* sizeof(runtime.special) */
    uint32_t span_spanclass;      /* runtime.mspan.spanclass (size class << 1 | noscan) */
    /* What Go's collector scans for pointers and what not (gonoptr.c). */
    uint64_t chunks_addr;    /* &runtime.persistentChunks (link-time address) */
    uint64_t module_addr;    /* &runtime.firstmoduledata */
    uint64_t allfin_addr;    /* &runtime.allfin, the finalizer blocks */
    uint32_t md_range[4][2]; /* moduledata.noptrdata/enoptrdata, data, bss, noptrbss */
    uint32_t md_mask[2];     /* moduledata.gcdatamask, gcbssmask (bitvector) */
    uint32_t md_read;        /* sizeof(runtime.moduledata) */
    uint32_t fin_alllink;    /* runtime.finblock.alllink */
    uint32_t fin_size;       /* sizeof(runtime.finblock) */
    uint32_t spfin_fn;       /* runtime.specialfinalizer.fn */
    /* Which words of the heap hold pointers, as Go's collector knows it. */
    enum {
        CH_GO_PTRS_UNKNOWN, /* every word may */
        CH_GO_PTRS_ARENA2,  /* heapArena.bitmap, 2 bits a word (to Go 1.19) */
        CH_GO_PTRS_ARENA1,  /* heapArena.bitmap, 1 bit a word (Go 1.20, 1.21) */
        CH_GO_PTRS_HEADERS, /* bits at the end of small spans, else type headers (Go 1.22+) */
    } ptr_format;
    uint32_t mheap_arenas;   /* runtime.mheap.arenas (ARENA*) */
    uint32_t arena_bitmap;   /* runtime.heapArena.bitmap (ARENA*) */
    uint32_t span_largetype; /* runtime.mspan.largeType (HEADERS) */
    uint32_t type_size, type_ptrbytes, type_kind, type_gcdata, type_read; /* internal/abi.Type */
    /* A type's name (HEADERS, --show-roots): its Str nameOff counts from
     * runtime.types (link-time address), and TFlag says whether the name
     * has a '*' too many; CH_GO_NO_MEMBER when unknown. */
    uint32_t type_str, type_tflag;
    uint64_t types_lo, types_hi; /* runtime.types, runtime.etypes */
} ch_go_layout;

#define CH_GO_NO_MEMBER UINT32_MAX

/*
 * Fills *out from the ELF file open on fd. Returns 0, or -1 if the file is
 * not a Go program with its symbols and DWARF (stripped, another language,
 * a runtime without these members, a damaged file); err then says why.
 */
int ch_go_layout_read(int fd, ch_go_layout *out, char *err, size_t errlen);

#endif
