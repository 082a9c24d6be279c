/*
 * `cgoheap run`'s command line, parsed by glibc's getopt_long (which gives
 * unique prefixes and both `--opt VALUE` and `--opt=VALUE`; "+" stops at
 * the first non-option, the program). Errors are one line, and name the
 * option meant when the one typed is a slip (`--show-leak-kind`), or say
 * so when it is a valgrind option cgoheap has no use for. Valgrind's own
 * spellings are accepted where they mean what cgoheap does.
 */
#include "cli/options.h"
#include "cgoheap/follow.h"
#include "cli/optdefs.h"
#include "cli/suggest.h"
#include "common/duration.h"
#include "common/profile.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define KIND_BIT(k) (1u << (k))
#define DEFAULT_KINDS (KIND_BIT(CH_KIND_DEFINITE) | KIND_BIT(CH_KIND_POSSIBLE))
/* Held by Go garbage is shown by default; behind a finalizer it is no error. */
#define GO_KINDS (KIND_BIT(CH_KIND_GOGARBAGE) | KIND_BIT(CH_KIND_GOFINAL))
#define SHOWN_KINDS (DEFAULT_KINDS | GO_KINDS)
#define ERROR_KINDS (DEFAULT_KINDS | KIND_BIT(CH_KIND_GOGARBAGE))
#define ALL_KINDS                                                                                  \
    (KIND_BIT(CH_KIND_DEFINITE) | KIND_BIT(CH_KIND_INDIRECT) | KIND_BIT(CH_KIND_POSSIBLE) |        \
     KIND_BIT(CH_KIND_REACHABLE) | GO_KINDS)
#define ENV_NAME "CGOHEAP_OPTIONS"
#define MAX_OPTS 64

enum {
    OPT_LOG_FILE = 256,
    OPT_PPROF,
    OPT_JSON,
    OPT_FOLDED,
    OPT_XML,
    OPT_XML_FILE,
    OPT_SHOW_KINDS,
    OPT_ERROR_KINDS,
    OPT_ERROR_EXITCODE,
    OPT_SUPP,
    OPT_NO_DEFAULT_SUPP,
    OPT_PRINT_DEFAULT_SUPP,
    OPT_GEN_SUPP,
    OPT_SHOW_INTERNAL,
    OPT_SHOW_ROOTS,
    OPT_SAMPLE_RATE,
    OPT_NO_SCAN,
    OPT_UNWIND,
    OPT_TRACE_THREADS,
    OPT_HTTP,
    OPT_HTTP_ALLOW_REMOTE,
    OPT_SNAPSHOT_INTERVAL,
    OPT_SNAPSHOT_DIR,
    OPT_TRACE_CHILDREN_SKIP,
    /* valgrind's spellings */
    OPT_LEAK_CHECK,
    OPT_SHOW_REACHABLE,
    OPT_TRACE_CHILDREN,
    OPT_DEFAULT_SUPP,
};

#define KINDS_HELP "definite,indirect,possible,reachable,gogarbage,\ngofinalizer|all|none"

const ch_optdef ch_optdefs[] = {
    {"log-file", required_argument, OPT_LOG_FILE, "FILE", "FILE",
     "write the report to FILE instead of stderr\n"
     "(%p: the process's pid, %q{VAR}: $VAR, %%: %)"},
    {"pprof", required_argument, OPT_PPROF, "FILE", "FILE", "write a gzipped pprof heap profile"},
    {"json", required_argument, OPT_JSON, "FILE", "FILE", "write the whole report as JSON"},
    {"folded", required_argument, OPT_FOLDED, "FILE", "FILE", "write folded stacks (flame graphs)"},
    {"xml", required_argument, OPT_XML, "FILE", "FILE",
     "write valgrind memcheck's XML (protocol 4); valgrind's\n"
     "--xml=yes --xml-file=FILE works too"},
    {"show-leak-kinds", required_argument, OPT_SHOW_KINDS, "KINDS", CH_KIND_WORDS,
     KINDS_HELP "\n(default definite,possible,gogarbage,gofinalizer)"},
    {"errors-for-leak-kinds", required_argument, OPT_ERROR_KINDS, "KINDS", CH_KIND_WORDS,
     "kinds that count as errors (default definite,possible,\ngogarbage)"},
    {"show-roots", no_argument, OPT_SHOW_ROOTS, NULL, NULL,
     "name what holds each reachable or possibly lost block"},
    {"error-exitcode", required_argument, OPT_ERROR_EXITCODE, "N", NULL,
     "exit N (1-255) if error kinds remain; 0: off"},
    {"suppressions", required_argument, OPT_SUPP, "FILE", "FILE",
     "LeakSanitizer-format suppressions (repeatable)"},
    {"no-default-suppressions", no_argument, OPT_NO_DEFAULT_SUPP, NULL, NULL,
     "do not apply the built-in list"},
    {"print-default-suppressions", no_argument, OPT_PRINT_DEFAULT_SUPP, NULL, NULL,
     "print the built-in list and exit"},
    {"gen-suppressions", optional_argument, OPT_GEN_SUPP, "all|no", "all no",
     "print a suppression entry after each record"},
    {"show-internal-frames", no_argument, OPT_SHOW_INTERNAL, NULL, NULL,
     "show cgo glue and agent frames"},
    {"sample-rate", required_argument, OPT_SAMPLE_RATE, "BYTES", NULL,
     "sample one allocation per BYTES on average\n(default 1: record every allocation)"},
    {"no-scan", no_argument, OPT_NO_SCAN, NULL, NULL,
     "do not scan memory at exit (kinds become 'unfreed')"},
    {"unwind", required_argument, OPT_UNWIND, "fast|exact", "fast exact",
     "exact: no unwind-rule cache (for checking)"},
    {"trace-threads", required_argument, OPT_TRACE_THREADS, "all|main", "all main",
     "stop every thread at exit (exact stack pointers; the\n"
     "default without sampling) or only the main one (no\n"
     "stop per thread start and signal; the sampled default)"},
    {"http", required_argument, OPT_HTTP, "ADDR", NULL,
     "serve pprof profiles, /metrics and leak checks while\n"
     "the program runs (HOST:PORT, :PORT or unix:PATH;\n"
     "loopback only)"},
    {"http-allow-remote", no_argument, OPT_HTTP_ALLOW_REMOTE, NULL, NULL,
     "let --http bind a non-loopback address"},
    {"snapshot-interval", required_argument, OPT_SNAPSHOT_INTERVAL, "DURATION", NULL,
     "with --snapshot-dir: write DIR/heap-<unix time>.pb.gz\n"
     "every DURATION (30s, 5m, 1h; at least 1s) while the\n"
     "program runs"},
    {"snapshot-dir", required_argument, OPT_SNAPSHOT_DIR, "DIR", "FILE",
     "the directory of --snapshot-interval's profiles"},
    {"trace-children", required_argument, OPT_TRACE_CHILDREN, "yes|no", "yes no",
     "yes (default): report each child process too,\n"
     "after the program's report (in a file of its own\n"
     "when --log-file's name holds %p); no: the program\n"
     "alone"},
    {"trace-children-skip", required_argument, OPT_TRACE_CHILDREN_SKIP, "PATTERNS", NULL,
     "children not followed (nor their own children):\n"
     "comma-separated globs on the executable's path or\n"
     "name; replaces the default list of compilers,\n"
     "assemblers and linkers (below); empty: none"},
    {"verbose", no_argument, 'v', NULL, NULL, "notices about cgoheap itself"},
    {"v", no_argument, 'v', NULL, NULL, NULL},
    {"help", no_argument, 'h', NULL, NULL, "print this help and exit"},
    {"h", no_argument, 'h', NULL, NULL, NULL},
    {"xml-file", required_argument, OPT_XML_FILE, "FILE", "FILE", NULL},
    {"leak-check", required_argument, OPT_LEAK_CHECK, "full", "full yes", NULL},
    {"show-reachable", required_argument, OPT_SHOW_REACHABLE, "yes|no", "yes no", NULL},
    {"default-suppressions", required_argument, OPT_DEFAULT_SUPP, "yes|no", "yes no", NULL},
};
const size_t ch_noptdefs = sizeof ch_optdefs / sizeof ch_optdefs[0];

const char *const ch_valgrind_unsupported[] = {
    "tool",
    "track-origins",
    "num-callers",
    "leak-resolution",
    "vgdb",
    "vgdb-error",
    "db-attach",
    "track-fds",
    "time-stamp",
    "log-fd",
    "log-socket",
    "quiet",
    "demangle",
    "max-stackframe",
    "main-stacksize",
    "malloc-fill",
    "free-fill",
    "keep-stacktraces",
    "undef-value-errors",
    "show-possibly-lost",
    "show-mismatched-frees",
    "partial-loads-ok",
    "freelist-vol",
    "freelist-big-blocks",
    "redzone-size",
    "leak-check-heuristics",
    "show-below-main",
    "fullpath-after",
    "read-var-info",
    "read-inline-info",
    "smc-check",
    "trace-children-skip-by-arg",
    "child-silent-after-fork",
    "sim-hints",
    "fair-sched",
    "xtree-memory",
    "xtree-leak",
    "expensive-definedness-checks",
    "ignore-ranges",
    "ignore-fn",
    "alignment",
    "extra-debuginfo-path",
    "soname-synonyms",
    "max-threads",
    "show-emwarns",
    "error-limit",
    "show-error-list",
    "run-libc-freeres",
    "run-cxx-freeres",
    "merge-recursive-frames",
    "num-transtab-sectors",
    "xml",
    "xml-file",
    "xml-fd",
    "xml-socket",
    "xml-user-comment",
    "track-destroys",
    "exit-on-first-error",
};
const size_t ch_nvalgrind_unsupported =
    sizeof ch_valgrind_unsupported / sizeof ch_valgrind_unsupported[0];

int ch_parse_kinds(const char *s, unsigned *mask)
{
    static const struct {
        const char *name;
        unsigned bits;
    } names[] = {
        {"definite", KIND_BIT(CH_KIND_DEFINITE)},
        {"indirect", KIND_BIT(CH_KIND_INDIRECT)},
        {"possible", KIND_BIT(CH_KIND_POSSIBLE)},
        {"reachable", KIND_BIT(CH_KIND_REACHABLE)},
        {"gogarbage", KIND_BIT(CH_KIND_GOGARBAGE)},
        {"gofinalizer", KIND_BIT(CH_KIND_GOFINAL)},
        {"all", ALL_KINDS},
        {"none", 0},
    };
    unsigned m = 0;
    const char *p = s;
    if (!*p)
        return -1;
    while (*p) {
        size_t len = strcspn(p, ",");
        size_t i;
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == len && strncmp(names[i].name, p, len) == 0)
                break;
        if (i == sizeof names / sizeof names[0])
            return -1;
        m |= names[i].bits;
        p += len;
        if (*p == ',')
            p++;
    }
    *mask = m;
    return 0;
}

/* 0..255; valgrind's --error-exitcode=0 means off. */
static int parse_exitcode(const char *s, int *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > 255)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v == 0)
        return -1;
    *out = v;
    return 0;
}

/* yes/no into *b; -1 for anything else. */
static int parse_yes_no(const char *v, bool *b)
{
    if (!strcmp(v, "yes") || !strcmp(v, "no")) {
        *b = v[0] == 'y';
        return 0;
    }
    return -1;
}

static const ch_optdef *def_of(int id)
{
    for (size_t i = 0; i < ch_noptdefs; i++)
        if (ch_optdefs[i].id == id)
            return &ch_optdefs[i];
    return NULL;
}

/* Options whose value names a file: an empty one is a mistake. */
static int set_path(const char **dst, const char *v)
{
    if (!*v)
        return -1;
    *dst = v;
    return 0;
}

static int apply_leak_check(const char *v, char *err, size_t errlen)
{
    if (!strcmp(v, "full") || !strcmp(v, "yes"))
        return 0;
    snprintf(err, errlen,
             "--leak-check=%s is not supported: cgoheap always checks leaks in full "
             "(--show-leak-kinds=none prints the summary only)",
             v);
    return -2;
}

static int apply_gen_supp(ch_options *o, const char *v, char *err, size_t errlen)
{
    if (!v || !strcmp(v, "all")) {
        o->gen_suppressions = true;
        return 0;
    }
    if (!strcmp(v, "no")) {
        o->gen_suppressions = false;
        return 0;
    }
    if (!strcmp(v, "yes")) {
        snprintf(err, errlen,
                 "--gen-suppressions=yes (ask per error) is not supported: use "
                 "--gen-suppressions=all");
        return -2;
    }
    return -1;
}

static int apply_valued(ch_options *o, int id, const char *v)
{
    bool b;
    switch (id) {
    case OPT_LOG_FILE:
        return set_path(&o->log_file, v);
    case OPT_PPROF:
        return set_path(&o->pprof_file, v);
    case OPT_JSON:
        return set_path(&o->json_file, v);
    case OPT_FOLDED:
        return set_path(&o->folded_file, v);
    case OPT_XML:
        o->xml_yes = !strcmp(v, "yes");
        if (!strcmp(v, "no"))
            o->xml_file = NULL;
        return o->xml_yes || !strcmp(v, "no") ? 0 : set_path(&o->xml_file, v);
    case OPT_XML_FILE:
        return set_path(&o->xml_file, v);
    case OPT_SHOW_KINDS:
        return ch_parse_kinds(v, &o->show_kinds);
    case OPT_ERROR_KINDS:
        return ch_parse_kinds(v, &o->error_kinds);
    case OPT_ERROR_EXITCODE:
        return parse_exitcode(v, &o->error_exitcode);
    case OPT_SAMPLE_RATE:
        return parse_u64(v, &o->sample_rate);
    case OPT_UNWIND:
        o->unwind = v;
        return strcmp(v, "fast") && strcmp(v, "exact") ? -1 : 0;
    case OPT_TRACE_THREADS:
        o->trace_threads = v;
        return strcmp(v, "all") && strcmp(v, "main") ? -1 : 0;
    case OPT_HTTP:
        return set_path(&o->http, v);
    case OPT_SNAPSHOT_INTERVAL:
        /* Files are named by the second: one per second at most. */
        return ch_parse_duration(v, &o->snapshot_interval) || o->snapshot_interval < 1 ? -1 : 0;
    case OPT_SNAPSHOT_DIR:
        return set_path(&o->snapshot_dir, v);
    case OPT_SHOW_REACHABLE:
        if (parse_yes_no(v, &b))
            return -1;
        o->show_kinds = b ? ALL_KINDS : SHOWN_KINDS;
        return 0;
    case OPT_TRACE_CHILDREN:
        return parse_yes_no(v, &o->trace_children);
    case OPT_TRACE_CHILDREN_SKIP:
        o->trace_children_skip = v;
        return 0;
    case OPT_DEFAULT_SUPP:
        return parse_yes_no(v, &o->default_suppressions);
    }
    return -1;
}

/* One option getopt_long matched. 0, -1 (bad value) or -2 (err written). */
static int apply(ch_options *o, int id, const char *v, char *err, size_t errlen)
{
    switch (id) {
    case OPT_NO_DEFAULT_SUPP:
        o->default_suppressions = false;
        return 0;
    case OPT_PRINT_DEFAULT_SUPP:
        o->print_default_suppressions = true;
        return 0;
    case OPT_SHOW_ROOTS:
        o->show_roots = true;
        return 0;
    case OPT_SHOW_INTERNAL:
        o->show_glue = true;
        return 0;
    case OPT_NO_SCAN:
        o->scan = false;
        return 0;
    case OPT_HTTP_ALLOW_REMOTE:
        o->http_allow_remote = true;
        return 0;
    case 'v':
        o->verbose = true;
        return 0;
    case OPT_GEN_SUPP:
        return apply_gen_supp(o, v, err, errlen);
    case OPT_LEAK_CHECK:
        return apply_leak_check(v, err, errlen);
    case OPT_SUPP:
        if (o->nsupp_files == CH_MAX_SUPP_FILES) {
            snprintf(err, errlen, "too many --suppressions files (at most %d)", CH_MAX_SUPP_FILES);
            return -2;
        }
        if (!*v)
            return -1;
        o->supp_files[o->nsupp_files++] = v;
        return 0;
    }
    return apply_valued(o, id, v);
}

static bool is_valgrind_only(const char *name, size_t len)
{
    for (size_t i = 0; i < ch_nvalgrind_unsupported; i++)
        if (strlen(ch_valgrind_unsupported[i]) == len &&
            !strncmp(ch_valgrind_unsupported[i], name, len))
            return true;
    return false;
}

/* The long options that start with name[0..len), ", "-separated, into buf. */
static size_t prefix_matches(const char *name, size_t len, char *buf, size_t buflen)
{
    size_t n = 0, used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < ch_noptdefs; i++) {
        if (strlen(ch_optdefs[i].name) < 2 || strncmp(ch_optdefs[i].name, name, len))
            continue;
        if (used < buflen)
            used += (size_t)snprintf(buf + used, buflen - used, "%s--%s", n ? ", " : "",
                                     ch_optdefs[i].name);
        n++;
    }
    return n;
}

/* The error for an unknown or ambiguous long option `arg` (the word as typed). */
static void explain_unknown_long(const char *arg, char *err, size_t errlen)
{
    const char *name = arg + 2;
    size_t len = strcspn(name, "=");
    char list[256];
    if (prefix_matches(name, len, list, sizeof list) > 1) {
        snprintf(err, errlen, "option '--%.*s' is ambiguous: %s", (int)len, name, list);
        return;
    }
    if (is_valgrind_only(name, len)) {
        snprintf(err, errlen,
                 "valgrind's option '--%.*s' is not supported by cgoheap (see cgoheap --help)",
                 (int)len, name);
        return;
    }
    const char *words[sizeof ch_optdefs / sizeof ch_optdefs[0]];
    size_t n = 0;
    for (size_t i = 0; i < ch_noptdefs; i++)
        if (ch_optdefs[i].name[1])
            words[n++] = ch_optdefs[i].name;
    const char *best = ch_suggest(name, len, words, n);
    if (best)
        snprintf(err, errlen, "unknown option '--%.*s'; did you mean '--%s'?", (int)len, name,
                 best);
    else
        snprintf(err, errlen, "unknown option '--%.*s' (see cgoheap --help)", (int)len, name);
}

/* getopt_long's '?' or ':' for the word argv[optind - 1]. */
static void explain_error(int c, const char *arg, char *err, size_t errlen)
{
    const ch_optdef *d = optopt ? def_of(optopt) : NULL;
    if (c == ':' && d)
        snprintf(err, errlen, "option '--%s' needs a value (--%s=%s)", d->name, d->name,
                 d->arg ? d->arg : "VALUE");
    else if (d && d->has_arg == no_argument && arg[0] == '-' && arg[1] == '-')
        snprintf(err, errlen, "option '--%s' takes no value", d->name);
    else if (arg[0] == '-' && arg[1] == '-')
        explain_unknown_long(arg, err, errlen);
    else
        snprintf(err, errlen, "unknown option '-%c' (see cgoheap --help)", optopt ? optopt : '?');
}

static void make_longopts(struct option *lo)
{
    size_t n = 0;
    for (size_t i = 0; i < ch_noptdefs; i++)
        if (ch_optdefs[i].name[1]) /* single letters are short options */
            lo[n++] =
                (struct option){ch_optdefs[i].name, ch_optdefs[i].has_arg, NULL, ch_optdefs[i].id};
    lo[n] = (struct option){0};
}

/*
 * Applies the options of argv[1..argc) (argv[0] is a name for getopt).
 * Returns the index of the first non-option, or -1 (err written), or -3
 * for --help.
 */
static int parse_argv(int argc, char **argv, ch_options *o, char *err, size_t errlen)
{
    struct option lo[sizeof ch_optdefs / sizeof ch_optdefs[0] + 1];
    make_longopts(lo);
    optind = 0; /* glibc: start afresh */
    opterr = 0;
    int c, idx;
    while ((c = getopt_long(argc, argv, "+:hv", lo, &idx)) != -1) {
        const char *arg = argv[optind - 1];
        if (c == '?' || c == ':') {
            explain_error(c, arg, err, errlen);
            return -1;
        }
        if (c == 'h')
            return -3;
        int rc = apply(o, c, optarg, err, errlen);
        if (rc == -1) {
            const ch_optdef *d = def_of(c);
            snprintf(err, errlen, "bad value '%s' for --%s (see cgoheap --help)",
                     optarg ? optarg : "", d ? d->name : "?");
        }
        if (rc)
            return -1;
    }
    return optind;
}

/* Splits CGOHEAP_OPTIONS at blanks ('...' and "..." quote) into a NULL-ended argv
 * whose argv[0] is ENV_NAME; the strings live until exit. NULL if unset. */
static char **env_argv(int *argc, char *err, size_t errlen)
{
    static char *copy;
    static char *args[MAX_OPTS + 2];
    const char *env = getenv(ENV_NAME);
    if (!env || !(copy = strdup(env)))
        return NULL;
    int n = 0;
    args[n++] = (char *)ENV_NAME;
    char *r = copy, *w = copy;
    for (;;) {
        while (isspace((unsigned char)*r))
            r++;
        if (!*r)
            break;
        if (n == MAX_OPTS + 1) {
            snprintf(err, errlen, "%s: more than %d words", ENV_NAME, MAX_OPTS);
            *argc = -1;
            return NULL;
        }
        args[n++] = w;
        char quote = 0;
        while (*r && (quote || !isspace((unsigned char)*r))) {
            if (!quote && (*r == '\'' || *r == '"'))
                quote = *r++;
            else if (quote && *r == quote)
                quote = 0, r++;
            else
                *w++ = *r++;
        }
        if (*r)
            r++;
        *w++ = 0;
    }
    args[n] = NULL;
    *argc = n;
    return args;
}

static int parse_env(ch_options *o, char *err, size_t errlen)
{
    int argc = 0;
    char **argv = env_argv(&argc, err, errlen);
    if (argc < 0)
        return -1;
    if (!argv)
        return 0;
    char sub[400];
    int rc = parse_argv(argc, argv, o, sub, sizeof sub);
    if (rc == -3)
        return -3;
    if (rc >= 0 && rc < argc)
        snprintf(sub, sizeof sub, "'%s' is not an option (the program goes on the command line)",
                 argv[rc]);
    if (rc < 0 || rc < argc) {
        snprintf(err, errlen, "%s: %s", ENV_NAME, sub);
        return -1;
    }
    return 0;
}

int ch_parse_run_options(int argc, char **argv, ch_options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->show_kinds = SHOWN_KINDS;
    o->error_kinds = ERROR_KINDS;
    o->sample_rate = 1;
    o->scan = true;
    o->default_suppressions = true;
    o->trace_children = true;
    o->trace_children_skip = CH_SKIP_DEFAULT;
    int rc = parse_env(o, err, errlen);
    /* getopt_long looks at argv[1] onwards: argv[-1] is "run". */
    if (rc == 0)
        rc = parse_argv(argc + 1, argv - 1, o, err, errlen);
    if (rc == -3) {
        ch_print_usage(stdout);
        return 1;
    }
    if (rc < 0)
        return -1;
    if (!o->snapshot_interval != !o->snapshot_dir) {
        snprintf(err, errlen, "--snapshot-interval and --snapshot-dir go together");
        return -1;
    }
    if (o->xml_yes && !o->xml_file) {
        snprintf(err, errlen, "--xml=yes needs --xml-file=FILE (or give --xml=FILE)");
        return -1;
    }
    o->argv = argv - 1 + rc;
    if (rc > argc && !o->print_default_suppressions) {
        snprintf(err, errlen, "no program given (usage: cgoheap run [options] [--] PROGRAM)");
        return -1;
    }
    return 0;
}
