/* Stacks as the reports see them; see symstacks.h. */
#include "cli/symstacks.h"
#include "common/u64map.h"

#include <stdlib.h>
#include <string.h>

struct ch_symstacks {
    const ch_profile *prof;
    ch_symbolizer *sym;
    const ch_suppressions *supp;
    uint8_t *levels; /* ch_sym_level per stack id */
    /* What suppressions answer for one PC's frames, once asked, per level
     * ([level - 1]: names, full): pc -> the matching pattern, 0 for none. */
    ch_u64map verdicts[2];
};

ch_symstacks *ch_symstacks_new(const ch_profile *prof, ch_symbolizer *sym,
                               const ch_suppressions *supp)
{
    ch_symstacks *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    *s = (ch_symstacks){.prof = prof, .sym = sym, .supp = supp};
    s->levels = calloc(prof->nstacks ? prof->nstacks : 1, 1);
    if (!s->levels) {
        free(s);
        return NULL;
    }
    return s;
}

void ch_symstacks_free(ch_symstacks *s)
{
    if (!s)
        return;
    free(s->levels);
    ch_u64map_free(&s->verdicts[0]);
    ch_u64map_free(&s->verdicts[1]);
    free(s);
}

ch_sym_level ch_symstacks_level(const ch_symstacks *s, uint32_t stack_id)
{
    return stack_id < s->prof->nstacks ? (ch_sym_level)s->levels[stack_id] : CH_SYM_NONE;
}

void ch_symstacks_set_level(ch_symstacks *s, uint32_t stack_id, ch_sym_level level)
{
    if (stack_id < s->prof->nstacks)
        s->levels[stack_id] = (uint8_t)level;
}

/* By symbolizer key (ch_symbolizer_key), which is the pc unless a module left it. */
static const char *pc_match(ch_symstacks *s, uint64_t pc, ch_sym_level level)
{
    ch_u64map *verdicts = &s->verdicts[level - 1];
    const uint64_t *known = ch_u64map_get(verdicts, pc);
    if (known)
        return (const char *)(uintptr_t)*known;
    size_t n;
    const ch_frame *f = ch_symbolize_pc(s->sym, pc, level == CH_SYM_NAMES, &n);
    const char *pattern = f ? ch_supp_match_frames(s->supp, f, n) : NULL;
    uint64_t *kept = ch_u64map_put(verdicts, pc, NULL);
    if (kept) /* else the answer is just not kept */
        *kept = (uintptr_t)pattern;
    return pattern;
}

/* The built-in rule on the modules of the stack's first frames (analyze.h). */
static const char *startup_match(ch_symstacks *s, const ch_stack *st, uint32_t stack_id)
{
    enum { FRAMES = 4 }; /* the pool's constructor is one frame below the loader's */
    const char *modules[FRAMES];
    uint32_t n = st->depth < FRAMES ? st->depth : FRAMES;
    for (uint32_t i = 0; i < n; i++) {
        size_t nf;
        const ch_frame *f =
            ch_symbolize_pc(s->sym, ch_symbolizer_key(s->sym, st->pcs[i], stack_id), true, &nf);
        modules[i] = f ? f->module : NULL; /* the symbolizer's: lives as long as it */
    }
    return ch_supp_match_startup(s->supp, modules, n);
}

const char *ch_symstacks_match(ch_symstacks *s, uint32_t stack_id, ch_sym_level level)
{
    if (level == CH_SYM_NONE || stack_id >= s->prof->nstacks)
        return NULL;
    const ch_stack *st = &s->prof->stacks[stack_id];
    /* A stack's frames are its PCs' frames in order: its first match is theirs. */
    for (uint32_t i = 0; i < st->depth; i++) {
        const char *pattern = pc_match(s, ch_symbolizer_key(s->sym, st->pcs[i], stack_id), level);
        if (pattern)
            return pattern;
    }
    return ch_supp_has_defaults(s->supp) ? startup_match(s, st, stack_id) : NULL;
}

int ch_symstacks_frames(void *ctx, uint32_t stack_id, ch_symstack *out)
{
    ch_symstacks *s = ctx;
    memset(out, 0, sizeof *out);
    ch_sym_level level = ch_symstacks_level(s, stack_id);
    if (level == CH_SYM_NONE)
        return 0;
    const ch_stack *st = &s->prof->stacks[stack_id];
    int rc = level == CH_SYM_NAMES ? ch_symbolize_stack_names(s->sym, st, stack_id, out)
                                   : ch_symbolize_stack(s->sym, st, stack_id, out);
    /* Out of memory, the stack just shows its raw PCs, like one never symbolized. */
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return 0;
}
