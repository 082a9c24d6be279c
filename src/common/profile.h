/*
 * The in-memory model that the CLI pipeline passes from stage to stage:
 *   collect (fills ch_profile from the shared record and the stopped target)
 *   -> analyze (classifies blocks, groups them into records)
 *   -> symbolize (turns stack PCs into frames)
 *   -> report (writes text, pprof, json, folded).
 * Nothing here is shared with the agent; see include/cgoheap/shm.h for that.
 */
#ifndef CGOHEAP_PROFILE_H
#define CGOHEAP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Leak kinds, in valgrind's order of severity. */
typedef enum ch_kind {
    CH_KIND_DEFINITE = 0,  /* no pointer to the block at all */
    CH_KIND_INDIRECT = 1,  /* reachable only from lost blocks */
    CH_KIND_POSSIBLE = 2,  /* reachable only through interior pointers */
    CH_KIND_REACHABLE = 3, /* a chain of start pointers from a root */
    CH_KIND_UNFREED = 4,   /* memory could not be scanned: unfreed at exit */
    CH_KIND_GOGARBAGE = 5, /* reachable only through Go objects Go's GC would free */
    CH_KIND_GOFINAL = 6,   /* the same, through a Go object with a finalizer */
    CH_KIND_COUNT = 7
} ch_kind;

/*
 * What a suppressed record is, by the pattern that matched it (the built-in
 * ones are sorted in analyze/supp_defaults.c). The summary says it, since a
 * valgrind user reads "suppressed" as a rule someone wrote.
 */
typedef enum ch_supp_class {
    CH_SUPP_USER = 0,      /* a --suppressions pattern that is none of the built-in ones */
    CH_SUPP_FREED_AT_EXIT, /* glibc's and libstdc++'s caches, freed by their exit hooks */
    CH_SUPP_KEPT,          /* thread, loader and Go runtime state, kept while the process lives */
    CH_SUPP_CLASSES
} ch_supp_class;

/* One unfreed block, as recorded by the agent. */
typedef struct ch_block {
    uint64_t addr;
    uint64_t size;
    uint32_t stack_id; /* index into ch_profile.stacks; 0 = unknown */
    uint8_t kind;      /* ch_kind, set by analyze */
    uint8_t pad;
    uint16_t epoch; /* when it was allocated (shm.h): ch_profile.epoch_age gives its age */
} ch_block;

/* One distinct allocation stack: return addresses, leaf first. */
typedef struct ch_stack {
    const uint64_t *pcs;
    uint32_t depth;
    uint32_t truncated_at; /* the walk gave up at this many frames (its maximum); 0: whole */
    uint64_t alloc_count;  /* cumulative, from the agent */
    uint64_t alloc_bytes;
} ch_stack;

typedef struct ch_module {
    uint64_t start, end, bias;
    char *path;        /* as the agent recorded it: untrusted */
    uint64_t dev, ino; /* the file the kernel had mapped at the exit stop; 0 if not known */
    bool replaced;     /* that file was deleted or replaced on disk while the program ran */
    bool unloaded;     /* dlclosed before the end: its frames are in stacks with ids in
                          (loaded_after, unloaded_after] (shm.h: ch_module_entry) */
    uint32_t loaded_after, unloaded_after;
    char build_id[2 * 32 + 1]; /* of the image the agent saw mapped, lowercase hex; "" none */
} ch_module;

/* How the target ended. */
typedef struct ch_exit {
    bool signaled; /* killed by a signal */
    int code;      /* exit code, or signal number if signaled */
} ch_exit;

/* What was wrong with an invalid free. */
typedef enum ch_invalid_kind {
    CH_INVALID_DOUBLE = 1,     /* the block was freed before */
    CH_INVALID_MISALIGNED = 2, /* not an address malloc returns */
} ch_invalid_kind;

/* A free or realloc the agent saw was invalid. */
typedef struct ch_invalid_free {
    uint64_t addr;
    uint64_t size;     /* of the block freed before (double free) */
    uint8_t kind;      /* ch_invalid_kind */
    bool realloc;      /* the call was realloc, not free */
    uint32_t stack_id; /* the bad call; ids index ch_profile.stacks, 0 = unknown */
    uint32_t alloc_stack_id;
    uint32_t free_stack_id; /* the first free: its caller's frame only */
} ch_invalid_free;

/* A definitely lost block and the bytes indirectly lost through it (its clique). */
typedef struct ch_owned {
    size_t block; /* index into ch_profile.blocks */
    uint64_t bytes;
} ch_owned;

typedef struct ch_profile {
    ch_block *blocks;
    size_t nblocks;
    ch_stack *stacks; /* stacks[0] is the empty "unknown" stack */
    size_t nstacks;
    ch_module *modules;
    size_t nmodules;

    uint64_t sample_rate; /* 1 = every allocation recorded */
    uint64_t n_allocs, n_frees, n_events, bytes_alloc, n_dropped, agent_bytes;
    char allocator[64]; /* the program's own malloc library, "" for glibc's */
    bool new_untracked; /* its operator new/delete bypass malloc: not tracked */
    bool agent_attached;
    char agent_fail_reason[128];
    char untracked[320]; /* why the agent could not attach, for the user; "" if it did */
    bool no_c_heap;      /* ...and the program has no C heap (Go without cgo) */
    char image[4096];    /* the program's last image if it exec'd another, else "" */

    int pid; /* the target's pid (report prefix ==PID==) */
    ch_exit exit;
    bool scanned; /* reachability scan ran; else kinds are UNFREED */
    /* --show-roots: per block (in p->blocks' order after the scan), an index
     * into root_names of what holds it (0: nothing recorded). */
    uint32_t *block_root;
    char **root_names; /* [0] is "" */
    size_t nroot_names;
    ch_owned *owned; /* set by the scan, by block index; NULL if none */
    size_t nowned;
    /* Per allocation epoch, the age in seconds of its blocks at the read, as
     * the launcher's clock (collect/epochs.h) tells it; NULL if not known. */
    double *epoch_age;
    size_t nepochs;
    ch_invalid_free *invalid_frees; /* in the order the agent saw them */
    size_t ninvalid_frees;
    char scan_notice[256]; /* why not, one line; empty if scanned */

    void *owner; /* collect's private state (mapping, buffers) */
} ch_profile;

/* A block's age in seconds, or -1 if ages are not known. An epoch past those
 * the launcher counted (only a corrupt record has one) reads as the newest. */
static inline double ch_block_age(const ch_profile *p, const ch_block *b)
{
    if (!p->epoch_age)
        return -1;
    return b->epoch < p->nepochs ? p->epoch_age[b->epoch] : 0;
}

/* A loss record: blocks that share a stack and a kind. */
typedef struct ch_loss_record {
    uint32_t stack_id;
    ch_kind kind;
    uint64_t bytes;
    uint64_t blocks;
    bool suppressed;
    const char *suppressed_by;   /* pattern, if suppressed */
    const char *root;            /* --show-roots: what holds its first block, or NULL */
    uint64_t indirect_bytes;     /* definite: bytes indirectly lost through its blocks */
    ch_supp_class suppressed_as; /* if suppressed */
} ch_loss_record;

/* A pc of a stack that is no return address: the frames after it are the stack that created
 * the thread (the frames before it ran in), whose function reads CH_THREAD_CREATED_NAME. */
#define CH_FRAME_THREAD_CREATED 1ull
#define CH_THREAD_CREATED_NAME "[thread created by]"

/* One symbolized frame. Inlined calls expand into several frames. */
typedef struct ch_frame {
    uint64_t pc;          /* the return address as recorded */
    const char *function; /* NULL if unknown */
    const char *file;     /* NULL if unknown */
    int line;             /* 0 if unknown */
    const char *module;   /* path of the module, NULL if none */
    uint64_t module_off;  /* pc - module bias (file-relative vaddr) */
    bool inlined;         /* this frame was inlined into the next one */
    bool glue;            /* cgo glue, Go runtime call machinery or the agent */
} ch_frame;

/*
 * Starts loading the stacks of records[i + CH_PREFETCH_AHEAD] into the
 * cache. Records are read in their order, but their stacks lie all over the
 * agent's memory, by hash: a stage that waits for each stack in turn spends
 * much of its time waiting. The PCs of the record AHEAD on are asked for,
 * and the stack entry of the one twice as far (needed to find its PCs).
 */
#define CH_PREFETCH_AHEAD 8
static inline void ch_prefetch_stack(const ch_stack *st)
{
    for (uint32_t k = 0; k < st->depth; k += 8) /* 8 PCs per 64-byte cache line */
        __builtin_prefetch(&st->pcs[k]);
}

static inline void ch_prefetch_loss_records(const ch_profile *p, const ch_loss_record *records,
                                            size_t n, size_t i)
{
    size_t near = i + CH_PREFETCH_AHEAD, far = i + 2 * CH_PREFETCH_AHEAD;
    if (far < n && records[far].stack_id < p->nstacks)
        __builtin_prefetch(&p->stacks[records[far].stack_id]);
    if (near < n && records[near].stack_id < p->nstacks)
        ch_prefetch_stack(&p->stacks[records[near].stack_id]);
}

typedef struct ch_symstack {
    ch_frame *frames;
    size_t nframes;
} ch_symstack;

#endif
