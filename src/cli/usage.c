/*
 * --help, made from the option table (optdefs.h) so that it lists exactly
 * what the parser accepts.
 */
#include "cli/optdefs.h"
#include "cli/options.h"

#include <getopt.h>
#include <stdbool.h>
#include <string.h>

#define HELP_COLUMN 31

static const char intro[] =
    "usage: cgoheap run [options] [--] PROGRAM [ARGS...]\n"
    "       cgoheap --version | --help\n"
    "Runs PROGRAM, tracks its C heap, and reports what it never freed, with stacks\n"
    "that continue from C into the Go code that caused each allocation.\n"
    "Options take their value as --opt=VALUE or --opt VALUE, and may be shortened\n"
    "while unique; the first word that is not an option is the program.\n"
    "\n";

static const char outro[] =
    "\n"
    "Valgrind's spellings are accepted where they mean the same: --leak-check=full,\n"
    "--show-reachable=yes|no, --gen-suppressions=all, --default-suppressions=yes|no,\n"
    "--error-exitcode=0 (off), --trace-children=yes|no (children are not followed yet:\n"
    "only PROGRAM is tracked). Other valgrind options are refused by name.\n"
    "The environment variable CGOHEAP_OPTIONS holds more options, read before the\n"
    "command line's (which win), e.g. CGOHEAP_OPTIONS='--error-exitcode=23'.\n";

/* "--name=ARG", "--name[=ARG]" or "--name", as --help shows it. */
static int format_option(const ch_optdef *d, char *buf, size_t len)
{
    if (!d->arg)
        return snprintf(buf, len, "--%s", d->name);
    if (d->has_arg == optional_argument)
        return snprintf(buf, len, "--%s[=%s]", d->name, d->arg);
    return snprintf(buf, len, "--%s=%s", d->name, d->arg);
}

void ch_print_usage(FILE *out)
{
    fputs(intro, out);
    for (size_t i = 0; i < ch_noptdefs; i++) {
        const ch_optdef *d = &ch_optdefs[i];
        if (!d->help || !d->name[1])
            continue;
        char opt[64];
        format_option(d, opt, sizeof opt);
        int n;
        bool has_short =
            i + 1 < ch_noptdefs && !ch_optdefs[i + 1].name[1] && ch_optdefs[i + 1].id == d->id;
        n = fprintf(out, "  %s%s%s%s", has_short ? "-" : "",
                    has_short ? ch_optdefs[i + 1].name : "", has_short ? ", " : "", opt);
        const char *h = d->help;
        for (;;) {
            size_t len = strcspn(h, "\n");
            fprintf(out, "%*s%.*s\n", n < HELP_COLUMN - 1 ? HELP_COLUMN - n : 1, "", (int)len, h);
            if (!h[len])
                break;
            h += len + 1;
            n = 0;
        }
    }
    fputs(outro, out);
}
