/*
 * Attaching to the shared record.
 *
 * The decision is taken once, by the first malloc-family call or by the
 * constructor, whichever comes first. Before libc has set up the environment
 * (ld.so may allocate that early) CGOHEAP_SHM_FD is not visible yet, so an
 * absent variable only becomes final in the constructor.
 *
 * We record only if the record says it is for this pid: a forked child, or a
 * program exec'd by the target, inherits LD_PRELOAD and the parent's record,
 * which it must never write. Followed (agent/follow.c), it records into one
 * of its own; else it stays passive.
 */
#include "agent/follow.h"
#include "agent/modules.h"
#include "agent/next.h"
#include "agent/sample.h"
#include "agent/spawn.h"
#include "agent/stacks.h"
#include "agent/state.h"
#include "agent/thread.h"
#include "cgoheap/follow.h"
#include "common/shm_layout.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int ctor_ran;

/* Parses a small non-negative decimal fd number; -1 if s is not one. */
static int parse_fd(const char *s)
{
    long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 1000000)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return (int)v;
}

/*
 * A process that is not the target keeps nothing of the record: neither
 * the descriptor nor the mapping, which otherwise stay alive in daemon
 * grandchildren long after the launcher is gone (the memfd's touched pages
 * stay resident). The mapping is replaced rather than unmapped: code that
 * still writes through ch_g (a key destructor at a thread's end) then
 * writes private zero pages of its own.
 */
static void drop_record(void)
{
    struct stat st;
    if (ch_g.hdr)
        (void)mmap(ch_g.hdr, ch_g.size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    if (ch_g.fd >= 0 && fstat(ch_g.fd, &st) == 0 && (uint64_t)st.st_dev == ch_g.dev &&
        (uint64_t)st.st_ino == ch_g.ino)
        close(ch_g.fd);
    ch_g.fd = -1;
}

/*
 * Maps the record at fd if it is this process's and its header passes
 * ch_shm_validate; else NULL, with *refused set when it is this process's
 * record but damaged (then nothing is recorded, not even into a record of
 * its own).
 */
static ch_shm_header *map_record(int fd, int *refused)
{
    struct stat st;
    *refused = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(ch_shm_header))
        return NULL;
    void *p =
        mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    if (p == MAP_FAILED)
        return NULL;
    ch_shm_header *h = p;
    const char *why = ch_shm_validate(h, (size_t)st.st_size);
    int ours = h->magic == CH_SHM_MAGIC && h->target_pid == getpid();
    if (why || !ours) {
        /* A record for another pid: this is a child's image, which must not keep it. */
        int foreign = h->magic == CH_SHM_MAGIC && !ours;
        *refused = why && ours;
        /* Said where the launcher looks, in a header of this very layout (checked before
         * anything else): the program runs untracked, and a gate fails. */
        if (*refused && h->version == CH_SHM_VERSION && h->header_size == sizeof *h)
            ch_fail_record(h, why);
        munmap(p, (size_t)st.st_size);
        struct stat now;
        if (foreign) {
            drop_record(); /* a raw clone child's inherited mapping and descriptor, if any */
            if (fstat(fd, &now) == 0 && now.st_dev == st.st_dev && now.st_ino == st.st_ino)
                close(fd);
        }
        return NULL;
    }
    ch_g.fd = fd;
    ch_g.size = (uint64_t)st.st_size;
    ch_g.dev = (uint64_t)st.st_dev;
    ch_g.ino = (uint64_t)st.st_ino;
    return p;
}

static void fill_globals(ch_shm_header *h)
{
    const char *mode = getenv(CH_ENV_UNWIND);
    ch_g.hdr = h;
    ch_g.base = (char *)h;
    ch_g.shards = (ch_live_shard *)(ch_g.base + h->shards_off);
    ch_g.stacks = (ch_stack_entry *)(ch_g.base + h->stacks_off);
    ch_g.stats = (ch_stack_stats *)(ch_g.base + h->stats_off);
    ch_g.frames = (uint64_t *)(ch_g.base + h->frames_off);
    ch_g.modules = (ch_module_entry *)(ch_g.base + h->modules_off);
    ch_g.stack_mask = h->stack_cap - 1;
    ch_g.sample_rate = h->sample_rate ? h->sample_rate : 1;
    ch_g.exact = mode && !strcmp(mode, "exact");
    ch_g.pid = getpid();
    h->unwind_mode = (uint32_t)ch_g.exact;
}

/* A forked child must not write the parent's record nor touch its locks:
 * it records into a copy when children are followed, else nothing. */
static void child_after_fork(void)
{
    if (ch_follow_fork_child()) {
        __atomic_store_n(&ch_state, CH_ST_ACTIVE, __ATOMIC_RELEASE);
        return;
    }
    __atomic_store_n(&ch_state, CH_ST_PASSIVE, __ATOMIC_RELEASE);
    drop_record();
}

/*
 * An earlier image of this very process (before an execve) recorded here.
 * A tracing launcher empties the record at the exec stop; one that could
 * not trace (ptrace refused) cannot, so the new image does it: the old
 * blocks vanished with the old address space. Safe because the exec left
 * this image single-threaded and nothing else writes the record.
 */
static void forget_previous_image(ch_shm_header *h, int fd)
{
    if (!(__atomic_load_n(&h->agent_flags, __ATOMIC_ACQUIRE) & CH_AGENT_ATTACHED))
        return;
    if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)h->shards_off,
                  (off_t)(h->total_size - h->shards_off)) == 0) {
        ch_shm_layout l;
        ch_shm_layout_get(&l, h); /* validated by map_record */
        ch_shm_forget(h, &l);
    }
}

/*
 * A child made by the raw clone system call without CLONE_VM (not glibc's
 * fork: child_after_fork does not run) keeps the MAP_SHARED record and
 * would write the parent's blocks: free the parent's leaks, add its own.
 * Checking the pid on every call would cost a syscall each. Instead the
 * state's page is replaced by an anonymous one marked MADV_WIPEONFORK,
 * which such a child gets zeroed: its state reads UNINIT, and the next
 * call attaches again, finds another pid in the record and stays passive.
 * mremap swaps the pages in one step, so other threads (which may only
 * read the state while it is INITIALIZING) never see a zero. Without
 * WIPEONFORK (Linux < 4.14) such children still write the record.
 */
static void state_wiped_in_clones(void)
{
    void *fresh =
        mmap(NULL, sizeof ch_state_pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (fresh == MAP_FAILED)
        return;
    if (madvise(fresh, sizeof ch_state_pg, MADV_WIPEONFORK) != 0)
        goto fail;
    memcpy(fresh, &ch_state_pg, sizeof ch_state_pg);
    if (mremap(fresh, sizeof ch_state_pg, sizeof ch_state_pg, MREMAP_MAYMOVE | MREMAP_FIXED,
               &ch_state_pg) != MAP_FAILED)
        return;
fail:
    munmap(fresh, sizeof ch_state_pg);
}

/*
 * Following children (agent/follow.c): a process with another pid's record
 * (dropped by map_record) makes its own at the same descriptor; a skipped
 * program keeps none, not even its own from before an exec. The program
 * the launcher started is never skipped.
 */
static ch_shm_header *follow_or_skip(ch_shm_header *h, int fd, int raw_clone)
{
    if (fd < 0 || raw_clone || !ch_follow_on())
        return h;
    if (h && (h->options & CH_OPT_TOP))
        return h;
    if ((h && (h->options & CH_OPT_RELEASED)) || ch_follow_skipped()) {
        if (h) {
            munmap(h, ch_g.size);
            close(fd);
            ch_g.fd = -1;
        }
        return NULL;
    }
    int refused;
    if (h || ch_follow_new_record(fd) != fd)
        return h;
    return map_record(fd, &refused);
}

/* Returns the next state: ACTIVE, PASSIVE, or UNINIT (decide later). */
static int attach(void)
{
    const char *s = getenv(CH_ENV_SHM_FD);
    if (!s)
        return ctor_ran ? CH_ST_PASSIVE : CH_ST_UNINIT;
    int fd = parse_fd(s);
    int raw_clone = ch_g.hdr != NULL, refused = 0;
    ch_shm_header *h = fd >= 0 ? map_record(fd, &refused) : NULL;
    if (refused)
        return CH_ST_PASSIVE; /* fail open: the program runs as it would without us */
    h = follow_or_skip(h, fd, raw_clone);
    if (!h)
        return CH_ST_PASSIVE;
    /* The descriptor stays open (at the high number the launcher chose, out
     * of the program's way) for an image this process may exec. */
    forget_previous_image(h, fd);
    fill_globals(h);
    ch_thread_setup();
    ch_stack_keys_setup();
    if (!ch_sample_setup())
        return CH_ST_PASSIVE;
    ch_modules_init();
    ch_next_describe();
    pthread_atfork(ch_follow_fork_prepare, ch_follow_fork_parent, child_after_fork);
    state_wiped_in_clones();
    __atomic_fetch_or(&h->agent_flags, CH_AGENT_ATTACHED, __ATOMIC_RELEASE);
    return CH_ST_ACTIVE;
}

int ch_init_lazy(void)
{
    int expected = CH_ST_UNINIT;
    if (!__atomic_compare_exchange_n(&ch_state, &expected, CH_ST_INITIALIZING, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return expected == CH_ST_ACTIVE; /* someone else decided or is deciding */
    ch_thread *t = &ch_self;
    t->inside = 1; /* allocations made while attaching pass through */
    int next = attach();
    t->inside = 0;
    __atomic_store_n(&ch_state, next, __ATOMIC_RELEASE);
    return next == CH_ST_ACTIVE;
}

__attribute__((constructor)) static void ch_ctor(void)
{
    __atomic_store_n(&ctor_ran, 1, __ATOMIC_RELEASE);
    ch_spawn_setup();
    /* CGOHEAP_SHM_FD and LD_PRELOAD stay in the environment, as valgrind's
     * and heaptrack's variables do: a program that execs another image in
     * this process (a wrapper, env(1)) passes them on, and the new image's
     * agent attaches to the same record (the launcher empties it at the
     * exec). Forked children and their programs find another pid in the
     * record and stay passive. */
    (void)ch_is_active();
}

__attribute__((destructor)) static void ch_dtor(void)
{
    if (__atomic_load_n(&ch_state, __ATOMIC_ACQUIRE) == CH_ST_ACTIVE) {
        ch_thread_flush(&ch_self, 1);
        /* The rescan holds a seqlock that a signal handler's walk would spin on: pass through. */
        uint32_t was_inside = ch_self.inside;
        ch_self.inside = 1;
        ch_modules_refresh(); /* objects dlopen'ed but never on a stack */
        ch_restore_inside(&ch_self, was_inside);
    }
}
