/*
 * The one table of `cgoheap run`'s options: the parser (options.c), --help,
 * the man page and the bash completion (usage.c) are all made from it, so
 * they cannot drift apart.
 */
#ifndef CGOHEAP_OPTDEFS_H
#define CGOHEAP_OPTDEFS_H

#include <stddef.h>

typedef struct ch_optdef {
    const char *name;   /* long name without "--"; a single letter is a short option */
    int has_arg;        /* getopt's no_argument, required_argument, optional_argument */
    int id;             /* getopt_long's val: a letter, or one of options.c's ids */
    const char *arg;    /* the value as --help shows it ("FILE"), NULL if none */
    const char *values; /* completion words ("yes no"), "FILE", or NULL */
    const char *help;   /* --help text ('\n' continues); NULL: a valgrind spelling */
} ch_optdef;

extern const ch_optdef ch_optdefs[];
extern const size_t ch_noptdefs;

/* Valgrind options cgoheap does not support (names without "--"). */
extern const char *const ch_valgrind_unsupported[];
extern const size_t ch_nvalgrind_unsupported;

/* The leak kinds --show-leak-kinds takes, for --help and completion. */
#define CH_KIND_WORDS "definite indirect possible reachable gogarbage gofinalizer all none"

#endif
