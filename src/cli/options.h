/* Command-line options of `cgoheap run`. */
#ifndef CGOHEAP_OPTIONS_H
#define CGOHEAP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CH_MAX_SUPP_FILES 32

typedef struct ch_options {
    /* Report files; their names may hold %p, %q{VAR}. */
    const char *log_file, *pprof_file, *json_file, *folded_file, *xml_file;
    bool xml_yes;         /* valgrind's --xml=yes: --xml-file names the file */
    unsigned show_kinds;  /* bit per ch_kind */
    unsigned error_kinds; /* bit per ch_kind */
    int error_exitcode;   /* 0 = off */
    const char *supp_files[CH_MAX_SUPP_FILES];
    size_t nsupp_files;
    bool gen_suppressions, print_default_suppressions, show_glue, scan, verbose;
    bool default_suppressions;       /* --no-default-suppressions turns off */
    bool trace_children;             /* follow child processes (the default) */
    const char *trace_children_skip; /* children not followed: comma-separated globs */
    bool show_roots;                 /* say what holds each reachable block */
    uint64_t sample_rate;
    const char *unwind;        /* NULL, "fast" or "exact" */
    const char *trace_threads; /* NULL, "all" or "main" */
    const char *http;          /* --http=ADDR: serve profiles while the program runs */
    bool http_allow_remote;    /* --http may bind a non-loopback address */
    double snapshot_interval;  /* seconds between heap-<time>.pb.gz files; 0 = none */
    const char *snapshot_dir;
    char **argv;  /* the program and its arguments */
    int cmd_argc; /* cgoheap's own command line, for the reports */
    char **cmd_argv;
} ch_options;

/*
 * Parses argv after "run" like GNU getopt_long (`--opt VALUE`, `--opt=VALUE`,
 * unique prefixes; `--` or the first non-option ends the options), after the
 * options in the environment variable CGOHEAP_OPTIONS (the command line
 * wins). Returns 0 on success, 1 if the caller should exit 0 at once (help
 * printed), -1 on a bad option (one-line error in err).
 */
int ch_parse_run_options(int argc, char **argv, ch_options *o, char *err, size_t errlen);

/* Parses "definite,indirect,possible,reachable|all|none" into a kind mask. */
int ch_parse_kinds(const char *s, unsigned *mask);

void ch_print_usage(FILE *out);

/* The man page (roff) and the bash completion script, made from the same table as --help. */
void ch_print_man(FILE *out, const char *version);
void ch_print_completion(FILE *out);

#endif
