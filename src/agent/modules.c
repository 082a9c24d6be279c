/*
 * Module snapshot and shm module table.
 *
 * Readers (any thread, inside malloc) use a seqlock: they copy one entry and
 * retry if a writer republished meanwhile, so lookups never block. A rescan
 * runs under a try-lock and calls dl_iterate_phdr WITHOUT holding anything a
 * reader waits on: dl_iterate_phdr takes the loader's lock, and a thread that
 * holds that lock may itself be in malloc waiting for us. A thread that fails
 * the try-lock simply proceeds with the old snapshot.
 *
 * Module lives: each rescan marks the shm entries of modules that are gone
 * (shm.h). New entries are written during the scan, with loaded_after read
 * then; gone ones get unloaded_after read after the scan; the snapshot is
 * published only after both. A stack is recorded after its walk found its
 * pcs' modules in the snapshot (cfi.c looks up every pc it has no cached
 * rule for, and a dlclose empties the rule caches) or, while a dlclose is
 * in progress or the snapshot is older than the last, by dl_iterate_phdr
 * (which marks the entries the module found overlaps as gone), so a new
 * module's stacks get ids above its loaded_after, and a gone module's
 * stacks, all recorded while it was mapped, ids up to its unloaded_after.
 */
#include "agent/modules.h"
#include "agent/spin.h"
#include "agent/state.h"

#include <elf.h>
#include <link.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

typedef struct mod_table {
    uint32_t n;
    unsigned long long adds, subs; /* the loader's counters when it was scanned */
    ch_mod mods[CH_MAX_MODULES];
} mod_table;

static mod_table published; /* read under the seqlock */
static mod_table scratch;   /* built under rescan_lock */
static uint32_t seq;        /* odd while `published` is being rewritten */
static uint32_t rescan_lock;
uint64_t ch_modules_generation;
static uint64_t scanned_gen = ~0ull;
static unsigned long long seen_adds, seen_subs;
static char exe_path[sizeof(((ch_module_entry *)0)->path)];
static uint8_t seen[CH_MAX_MODULES]; /* shm entries found by this rescan */

/*
 * Address ranges some module left, for ch_modules_stack_hash. Appended
 * under the shm module_lock (entry, then count with release); never removed.
 */
#define MAX_LEFT 64u
typedef struct left_range {
    uint64_t start, end;
} left_range;
static left_range left[MAX_LEFT];
static uint32_t n_left;
static uint32_t left_overflow; /* more ranges than MAX_LEFT: every stack counts as in one */
uint64_t ch_unload_epoch;

uint32_t ch_modules_closing;

void ch_modules_before_dlclose(void)
{
    __atomic_fetch_add(&ch_modules_closing, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&ch_modules_generation, 1, __ATOMIC_SEQ_CST);
}

void ch_modules_after_dlclose(void)
{
    __atomic_fetch_add(&ch_modules_generation, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_sub(&ch_modules_closing, 1, __ATOMIC_SEQ_CST);
}

int ch_mod_readable(const ch_mod *m, const void *p, uint64_t len)
{
    uint64_t a = (uint64_t)p;
    for (uint32_t i = 0; i < m->nseg; i++)
        if (a >= m->seg_lo[i] && a <= m->seg_hi[i] && len <= m->seg_hi[i] - a)
            return 1;
    return 0;
}

/* Validates .eh_frame_hdr; keeps it only if it has the table layout ld emits. */
static void take_eh_hdr(ch_mod *m, const uint8_t *hdr)
{
    /* version 1; eh_frame_ptr pcrel|sdata4; fde_count udata4; table datarel|sdata4 */
    if (!ch_mod_readable(m, hdr, 12) || hdr[0] != 1 || hdr[1] != 0x1b || hdr[2] != 0x03 ||
        hdr[3] != 0x3b)
        return;
    uint32_t count;
    memcpy(&count, hdr + 8, 4);
    if (!ch_mod_readable(m, hdr + 12, (uint64_t)count * 8))
        return;
    m->eh_hdr = hdr;
    m->eh_table = hdr + 12;
    m->fde_count = count;
}

static void describe(struct dl_phdr_info *info, ch_mod *m)
{
    memset(m, 0, sizeof *m);
    m->start = ~0ull;
    m->bias = info->dlpi_addr;
    const uint8_t *hdr = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uint64_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (ph->p_type == PT_GNU_EH_FRAME)
            hdr = (const uint8_t *)lo;
        if (ph->p_type != PT_LOAD)
            continue;
        if (lo < m->start)
            m->start = lo;
        if (hi > m->end)
            m->end = hi;
        if ((ph->p_flags & PF_R) && m->nseg < CH_MOD_SEGS) {
            /* Only the file-backed part: bytes past p_filesz are zero-fill (.bss). */
            m->seg_lo[m->nseg] = lo;
            m->seg_hi[m->nseg++] = lo + ph->p_filesz;
        }
    }
    if (hdr)
        take_eh_hdr(m, hdr);
}

/* The absolute path of a module for the symbolizer; 0 if it has no file (vdso). */
static int module_path(const char *name, char *out, size_t outlen)
{
    if (!name || !name[0]) {
        if (!exe_path[0]) {
            ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
            if (n <= 0)
                return 0;
            exe_path[n] = 0;
        }
        name = exe_path;
    }
    if (name[0] == '/') {
        if (strlen(name) >= outlen)
            return 0;
        strcpy(out, name);
        return 1;
    }
    if (!strchr(name, '/'))
        return 0; /* linux-vdso.so.1: no file to read symbols from */
    /* Relative dlopen path: resolve against the cwd (getcwd with a buffer never mallocs). */
    if (!getcwd(out, outlen))
        return 0;
    size_t used = strlen(out);
    if (used + 1 + strlen(name) >= outlen)
        return 0;
    out[used] = '/';
    strcpy(out + used + 1, name);
    return 1;
}

/*
 * The GNU build ID of the mapped image, from its PT_NOTE segments in
 * memory (no file read: the file may have changed since it was mapped).
 */
static void take_build_id(struct dl_phdr_info *info, const ch_mod *m, ch_module_entry *e)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
        if (!ch_mod_readable(m, p, ph->p_filesz))
            continue;
        for (uint64_t at = 0; at + 12 <= ph->p_filesz;) {
            uint32_t nh[3]; /* namesz, descsz, type */
            memcpy(nh, p + at, sizeof nh);
            uint64_t name = at + 12, desc = name + ((nh[0] + 3ull) & ~3ull);
            uint64_t next = desc + ((nh[1] + 3ull) & ~3ull);
            if (next > ph->p_filesz)
                break;
            if (nh[2] == NT_GNU_BUILD_ID && nh[0] == 4 && !memcmp(p + name, "GNU", 4) &&
                nh[1] > 0 && nh[1] <= CH_BUILD_ID_MAX) {
                memcpy(e->build_id, p + desc, nh[1]);
                e->build_id_len = (uint8_t)nh[1];
                return;
            }
            at = next;
        }
    }
}

/*
 * The same module as a loaded entry: the same range, and the same path or
 * build ID (a path dlopened relative to a working directory the program has
 * left since resolves to another name).
 */
static int same_module(const ch_module_entry *o, const ch_module_entry *e)
{
    if (o->start != e->start || o->end != e->end || (o->flags & CH_MODULE_F_UNLOADED))
        return 0;
    return !strcmp(o->path, e->path) || (e->build_id_len && o->build_id_len == e->build_id_len &&
                                         !memcmp(o->build_id, e->build_id, e->build_id_len));
}

static void note_left_range(uint64_t start, uint64_t end)
{
    uint32_t n = n_left;
    for (uint32_t i = 0; i < n; i++)
        if (left[i].start <= start && end <= left[i].end)
            return;
    if (n == MAX_LEFT) {
        __atomic_store_n(&left_overflow, 1, __ATOMIC_RELEASE);
        return;
    }
    left[n] = (left_range){start, end};
    __atomic_store_n(&n_left, n + 1, __ATOMIC_RELEASE);
}

/* Marks e gone: its frames are in stacks up to `stacks`. Caller holds module_lock. */
static void entry_gone(ch_module_entry *e, uint32_t stacks)
{
    e->unloaded_after = stacks;
    __atomic_store_n(&e->flags, e->flags | CH_MODULE_F_UNLOADED, __ATOMIC_RELEASE);
    note_left_range(e->start, e->end);
}

/* After entries were marked gone (before the snapshot or stack that lacks them). */
static void after_gone(void)
{
    /* Stacks walked with them hash apart from those after. */
    __atomic_fetch_add(&ch_unload_epoch, 1, __ATOMIC_RELEASE);
    /* Rule caches and walk memos may hold their pcs (a dlclose not seen by dlclose()). */
    __atomic_fetch_add(&ch_modules_generation, 1, __ATOMIC_RELEASE);
}

/*
 * Appends to the shm table unless a loaded entry for it is there, and notes
 * it as found for the rescan in progress, if any (one appended between a
 * rescan's scan and its mark_gone must not count as gone). Called by a
 * rescan (under rescan_lock) and by a lookup of a thread's own
 * (ch_module_find), both from dl_iterate_phdr: the module is loaded now, so
 * a loaded entry over any of its addresses is of a module gone, and is
 * marked so before the caller records a stack (seen: a thread walked a
 * library dlopened where another was before any rescan, and its stacks
 * took the departed library's ids and name).
 */
static void publish_shm_module(struct dl_phdr_info *info, const ch_mod *m)
{
    ch_shm_header *h = ch_g.hdr;
    ch_module_entry e;
    memset(&e, 0, sizeof e);
    if (!module_path(info->dlpi_name, e.path, sizeof e.path))
        return;
    e.start = m->start;
    e.end = m->end;
    e.bias = m->bias;
    take_build_id(info, m, &e);
    ch_spin_lock(&h->module_lock);
    uint32_t n = h->n_modules, gone = 0, have = 0;
    uint32_t stacks = (uint32_t)__atomic_load_n(&h->n_stacks, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < n; i++) {
        ch_module_entry *o = &ch_g.modules[i];
        if (same_module(o, &e)) {
            seen[i] = 1;
            have = 1;
        } else if (!(o->flags & CH_MODULE_F_UNLOADED) && o->start < e.end && e.start < o->end) {
            entry_gone(o, stacks);
            gone++;
        }
    }
    if (!have && n < CH_MAX_MODULES) {
        e.loaded_after = stacks;
        ch_g.modules[n] = e;
        seen[n] = 1;
        /* Release: a reader that sees n+1 sees the whole entry. */
        __atomic_store_n(&h->n_modules, n + 1, __ATOMIC_RELEASE);
    }
    if (gone)
        after_gone();
    ch_spin_unlock(&h->module_lock);
}

/* Marks the shm entries this rescan did not find as gone. Caller holds rescan_lock. Returns
 * how many. */
static uint32_t mark_gone(void)
{
    ch_shm_header *h = ch_g.hdr;
    uint32_t gone = 0;
    ch_spin_lock(&h->module_lock);
    uint32_t n = h->n_modules, stacks = (uint32_t)__atomic_load_n(&h->n_stacks, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < n; i++) {
        ch_module_entry *e = &ch_g.modules[i];
        if (!seen[i] && !(e->flags & CH_MODULE_F_UNLOADED)) {
            entry_gone(e, stacks);
            gone++;
        }
        seen[i] = 0;
    }
    ch_spin_unlock(&h->module_lock);
    return gone;
}

uint64_t ch_modules_stack_hash_slow(const uint64_t *frames, uint32_t depth, uint64_t h)
{
    uint64_t epoch = __atomic_load_n(&ch_unload_epoch, __ATOMIC_ACQUIRE);
    uint32_t n = __atomic_load_n(&n_left, __ATOMIC_ACQUIRE);
    int in_left = __atomic_load_n(&left_overflow, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < depth && !in_left; i++)
        for (uint32_t k = 0; k < n; k++)
            if (frames[i] - left[k].start < left[k].end - left[k].start) {
                in_left = 1;
                break;
            }
    if (!in_left)
        return h;
    h ^= (epoch + 1) * 0x9e3779b97f4a7c15ull;
    h *= 0xff51afd7ed558ccdull;
    return h ? h : 1;
}

static int scan_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    seen_adds = info->dlpi_adds;
    seen_subs = info->dlpi_subs;
    /* Past the snapshot's room a module is still looked for in shm: not seen, it counts as gone. */
    ch_mod past, *m = scratch.n < CH_MAX_MODULES ? &scratch.mods[scratch.n] : &past;
    describe(info, m);
    if (m->end <= m->start)
        return 0;
    if (m != &past)
        scratch.n++;
    publish_shm_module(info, m);
    return 0;
}

static void sort_scratch(void)
{
    for (uint32_t i = 1; i < scratch.n; i++) {
        ch_mod key = scratch.mods[i];
        uint32_t j = i;
        for (; j > 0 && scratch.mods[j - 1].start > key.start; j--)
            scratch.mods[j] = scratch.mods[j - 1];
        scratch.mods[j] = key;
    }
}

static void rescan(void)
{
    if (!ch_spin_trylock(&rescan_lock))
        return; /* another thread is rescanning: use the current snapshot */
    uint64_t gen = ch_modules_gen();
    scratch.n = 0;
    dl_iterate_phdr(scan_cb, NULL);
    if (mark_gone())
        after_gone(); /* before the snapshot that lacks the module */
    sort_scratch();
    scratch.adds = seen_adds;
    scratch.subs = seen_subs;
    __atomic_fetch_add(&seq, 1, __ATOMIC_ACQ_REL); /* odd: readers retry */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    memcpy(&published, &scratch, offsetof(mod_table, mods) + scratch.n * sizeof(ch_mod));
    __atomic_fetch_add(&seq, 1, __ATOMIC_RELEASE); /* even: consistent again */
    __atomic_store_n(&scanned_gen, gen, __ATOMIC_RELEASE);
    ch_spin_unlock(&rescan_lock);
}

void ch_modules_init(void)
{
    rescan();
}

static int adds_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    unsigned long long *v = data;
    v[0] = info->dlpi_adds;
    v[1] = info->dlpi_subs;
    return 1; /* the counters are the same in every entry: stop after the first */
}

/* Rescans if the loader's counters moved since the last scan; v gets them. */
static void refresh(unsigned long long v[2])
{
    v[0] = v[1] = 0;
    dl_iterate_phdr(adds_cb, v);
    if (v[0] != __atomic_load_n(&seen_adds, __ATOMIC_RELAXED) ||
        v[1] != __atomic_load_n(&seen_subs, __ATOMIC_RELAXED))
        rescan();
}

void ch_modules_refresh(void)
{
    unsigned long long v[2];
    refresh(v);
}

/*
 * Seqlock read of the entry containing pc. Returns 1 and copies it, 0 if
 * none; counts gets the loader's counters of the snapshot read, if not NULL.
 */
static int lookup(uint64_t pc, ch_mod *out, unsigned long long counts[2])
{
    for (;;) {
        uint32_t s1 = __atomic_load_n(&seq, __ATOMIC_ACQUIRE);
        if (s1 & 1) {
            __builtin_ia32_pause();
            continue;
        }
        int found = 0;
        uint32_t lo = 0, hi = __atomic_load_n(&published.n, __ATOMIC_RELAXED);
        if (hi > CH_MAX_MODULES)
            hi = 0; /* torn read; the seq check below retries */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (published.mods[mid].start <= pc)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0 && pc < published.mods[lo - 1].end) {
            memcpy(out, &published.mods[lo - 1], sizeof *out);
            found = 1;
        }
        if (counts) {
            counts[0] = published.adds;
            counts[1] = published.subs;
        }
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&seq, __ATOMIC_RELAXED) == s1)
            return found;
    }
}

typedef struct find_ctx {
    uint64_t pc;
    ch_mod *out;
    int found;
} find_ctx;

static int find_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    find_ctx *f = data;
    describe(info, f->out);
    f->found = f->pc >= f->out->start && f->pc < f->out->end;
    if (f->found) /* before the walk's stack is recorded: its frames' module must be in shm */
        publish_shm_module(info, f->out);
    return f->found;
}

/* The module of pc by dl_iterate_phdr, not by the snapshot. */
static int find_own(uint64_t pc, ch_mod *out)
{
    find_ctx f = {pc, out, 0};
    dl_iterate_phdr(find_cb, &f);
    return CH_MOD_UNSURE | f.found;
}

int ch_module_find(uint64_t pc, ch_mod *out)
{
    uint64_t gen = ch_modules_gen();
    if (__atomic_load_n(&scanned_gen, __ATOMIC_ACQUIRE) != gen)
        rescan(); /* a dlclose happened: drop unloaded modules before any CFI read */
    /*
     * A dlclose in progress, or a snapshot older than the last dlclose
     * (another thread rescanning: ours found the lock taken): the snapshot
     * may have a departed library where another is mapped now, or pointers
     * into memory no longer mapped (a read there crashes the program).
     */
    if (ch_modules_unsettled() || __atomic_load_n(&scanned_gen, __ATOMIC_ACQUIRE) != gen)
        return find_own(pc, out);
    if (lookup(pc, out, NULL))
        return CH_MOD_FOUND;
    unsigned long long now[2], scanned[2];
    refresh(now);
    if (lookup(pc, out, scanned))
        return CH_MOD_FOUND;
    if (scanned[0] == now[0] && scanned[1] == now[1])
        return 0; /* the snapshot holds every object loaded before this walk: pc is in none */
    /*
     * Another thread's rescan is not published yet (ours found the lock
     * taken): its snapshot may be the one that holds pc. Seen: a thread
     * calling into a library just dlopened while another rescanned got "no
     * CFI" for its return addresses, and its rule caches kept that until the
     * next dlclose, every stack through the library walked by frame pointer.
     */
    return find_own(pc, out);
}
