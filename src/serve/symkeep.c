/* The symbolizer kept while the program's mappings stay the same (symkeep.h). */
#include "serve/symkeep.h"
#include "collect/modmaps.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ch_symkeep {
    pthread_mutex_t mu;
    bool verbose;
    ch_module *mods; /* what the symbolizer was made for (paths copied) */
    size_t nmods;
    ch_symkept kept;
};

ch_symkeep *ch_symkeep_new(bool verbose)
{
    ch_symkeep *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    pthread_mutex_init(&k->mu, NULL);
    k->verbose = verbose;
    return k;
}

static void clear(ch_symkeep *k)
{
    if (k->kept.sym)
        ch_symbolizer_free(k->kept.sym);
    for (size_t i = 0; i < k->nmods; i++)
        free(k->mods[i].path);
    free(k->mods);
    free(k->kept.build_ids);
    k->mods = NULL;
    k->nmods = 0;
    k->kept = (ch_symkept){.made = k->kept.made};
}

void ch_symkeep_free(ch_symkeep *k)
{
    if (!k)
        return;
    clear(k);
    pthread_mutex_destroy(&k->mu);
    free(k);
}

static bool same_module(const ch_module *a, const ch_module *b)
{
    return a->start == b->start && a->bias == b->bias && a->unloaded == b->unloaded &&
           a->dev == b->dev && a->ino == b->ino && !strcmp(a->path, b->path) &&
           !strcmp(a->build_id, b->build_id);
}

static bool same_modules(const ch_symkeep *k, const ch_profile *p)
{
    if (!k->kept.sym || k->nmods != p->nmodules)
        return false;
    for (size_t i = 0; i < k->nmods; i++)
        if (!p->modules[i].path || !same_module(&k->mods[i], &p->modules[i]))
            return false;
    return true;
}

/* A symbolizer for p's modules; -1 when out of memory (k then holds none). */
static int make(ch_symkeep *k, ch_profile *p)
{
    unsigned made = k->kept.made + 1;
    clear(k);
    k->kept.made = made;
    size_t n = p->nmodules;
    k->mods = calloc(n ? n : 1, sizeof *k->mods);
    k->kept.build_ids = calloc(n ? n : 1, sizeof *k->kept.build_ids);
    if (!k->mods || !k->kept.build_ids)
        return -1;
    for (; k->nmods < n; k->nmods++) {
        k->mods[k->nmods] = p->modules[k->nmods];
        if (!(k->mods[k->nmods].path =
                  strdup(p->modules[k->nmods].path ? p->modules[k->nmods].path : "")))
            return -1;
    }
    ch_modules_verify(p); /* which files are not the builds the agent saw */
    if (!(k->kept.sym = ch_symbolizer_new(p->modules, n)))
        return -1;
    for (size_t m = 0; m < n; m++)
        k->kept.build_ids[m] = ch_symbolizer_build_id(k->kept.sym, m);
    if (k->verbose)
        fprintf(stderr, "cgoheap: symbolizer %u made for %zu modules of pid %d\n", made, n, p->pid);
    return 0;
}

const ch_symkept *ch_symkeep_get(ch_symkeep *k, ch_profile *p)
{
    pthread_mutex_lock(&k->mu);
    if (same_modules(k, p))
        return &k->kept;
    if (make(k, p)) {
        clear(k);
        return NULL;
    }
    return &k->kept;
}

void ch_symkeep_put(ch_symkeep *k)
{
    pthread_mutex_unlock(&k->mu);
}
