#include "cli/options.h"
#include "common/profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIND_BIT(k) (1u << (k))
#define DEFAULT_KINDS (KIND_BIT(CH_KIND_DEFINITE) | KIND_BIT(CH_KIND_POSSIBLE))

void ch_print_usage(FILE *out)
{
    fputs(
        "usage: cgoheap run [options] [--] PROGRAM [ARGS...]\n"
        "Runs PROGRAM, tracks its C heap, and reports what it never freed, with stacks\n"
        "that continue from C into the Go code that caused each allocation.\n"
        "\n"
        "  --log-file=FILE              write the report to FILE instead of stderr\n"
        "  --pprof=FILE                 write a gzipped pprof heap profile\n"
        "  --json=FILE                  write the whole report as JSON\n"
        "  --folded=FILE                write folded stacks (flame graphs)\n"
        "  --show-leak-kinds=KINDS      definite,indirect,possible,reachable|all|none\n"
        "                               (default definite,possible)\n"
        "  --errors-for-leak-kinds=KINDS  kinds that count as errors (default definite,possible)\n"
        "  --error-exitcode=N           exit N if error kinds remain\n"
        "  --suppressions=FILE          LeakSanitizer-format suppressions (repeatable)\n"
        "  --no-default-suppressions    do not apply the built-in list\n"
        "  --print-default-suppressions print the built-in list and exit\n"
        "  --gen-suppressions           print a suppression entry after each record\n"
        "  --show-internal-frames       show cgo glue and agent frames\n"
        "  --sample-rate=BYTES          sample one allocation per BYTES on average (default 1:\n"
        "                               record every allocation)\n"
        "  --no-scan                    do not scan memory at exit (kinds become 'unfreed')\n"
        "  --unwind=fast|exact          exact: no unwind-rule cache (for checking)\n"
        "  --trace-threads=all|main     stop every thread at exit (exact stack pointers; the\n"
        "                               default without sampling) or only the main one (no\n"
        "                               stop per thread start and signal; the sampled default)\n"
        "  -v, --verbose                notices about cgoheap itself\n"
        "  --version, --help\n",
        out);
}

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
        {"all", KIND_BIT(CH_KIND_DEFINITE) | KIND_BIT(CH_KIND_INDIRECT) |
                    KIND_BIT(CH_KIND_POSSIBLE) | KIND_BIT(CH_KIND_REACHABLE)},
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

/* If arg is "--name=VALUE", returns VALUE; NULL otherwise. */
static const char *value_of(const char *arg, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(arg, name, n) == 0 && arg[n] == '=')
        return arg + n + 1;
    return NULL;
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

static int parse_value_option(const char *a, ch_options *o, char *err, size_t errlen)
{
    const char *v;
    uint64_t n;
    if ((v = value_of(a, "--log-file")))
        o->log_file = v;
    else if ((v = value_of(a, "--pprof")))
        o->pprof_file = v;
    else if ((v = value_of(a, "--json")))
        o->json_file = v;
    else if ((v = value_of(a, "--folded")))
        o->folded_file = v;
    else if ((v = value_of(a, "--show-leak-kinds"))) {
        if (ch_parse_kinds(v, &o->show_kinds))
            goto bad;
    } else if ((v = value_of(a, "--errors-for-leak-kinds"))) {
        if (ch_parse_kinds(v, &o->error_kinds))
            goto bad;
    } else if ((v = value_of(a, "--error-exitcode"))) {
        if (parse_u64(v, &n) || n > 255)
            goto bad;
        o->error_exitcode = (int)n;
    } else if ((v = value_of(a, "--suppressions"))) {
        if (o->nsupp_files == CH_MAX_SUPP_FILES) {
            snprintf(err, errlen, "too many --suppressions files (at most %d)", CH_MAX_SUPP_FILES);
            return -1;
        }
        o->supp_files[o->nsupp_files++] = v;
    } else if ((v = value_of(a, "--sample-rate"))) {
        if (parse_u64(v, &o->sample_rate))
            goto bad;
    } else if ((v = value_of(a, "--trace-threads"))) {
        if (strcmp(v, "all") && strcmp(v, "main"))
            goto bad;
        o->trace_threads = v;
    } else if ((v = value_of(a, "--unwind"))) {
        if (strcmp(v, "fast") && strcmp(v, "exact"))
            goto bad;
        o->unwind = v;
    } else {
        snprintf(err, errlen, "unknown option '%s' (see cgoheap --help)", a);
        return -1;
    }
    if (!*v)
        goto bad;
    return 0;
bad:
    snprintf(err, errlen, "bad value in '%s' (see cgoheap --help)", a);
    return -1;
}

static int parse_flag(const char *a, ch_options *o)
{
    if (!strcmp(a, "--gen-suppressions"))
        o->gen_suppressions = true;
    else if (!strcmp(a, "--print-default-suppressions"))
        o->print_default_suppressions = true;
    else if (!strcmp(a, "--no-default-suppressions"))
        o->default_suppressions = false;
    else if (!strcmp(a, "--show-internal-frames"))
        o->show_internal = true;
    else if (!strcmp(a, "--no-scan"))
        o->scan = false;
    else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
        o->verbose = true;
    else
        return -1;
    return 0;
}

int ch_parse_run_options(int argc, char **argv, ch_options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->show_kinds = DEFAULT_KINDS;
    o->error_kinds = DEFAULT_KINDS;
    o->sample_rate = 1;
    o->scan = true;
    o->default_suppressions = true;
    int i;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] != '-')
            break;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            ch_print_usage(stdout);
            return 1;
        }
        if (parse_flag(a, o) == 0)
            continue;
        if (parse_value_option(a, o, err, errlen))
            return -1;
    }
    o->argv = argv + i;
    if (i >= argc && !o->print_default_suppressions) {
        snprintf(err, errlen, "no program given (usage: cgoheap run [options] [--] PROGRAM)");
        return -1;
    }
    return 0;
}
