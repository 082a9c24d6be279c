/*
 * --help, made from the option table (optdefs.h) so that it lists exactly
 * what the parser accepts.
 */
#include "cgoheap/follow.h"
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
    "--trace-children-skip's default:\n"
    "  %s\n"
    "Valgrind's spellings are accepted where they mean the same: --leak-check=full,\n"
    "--show-reachable=yes|no, --gen-suppressions=all, --default-suppressions=yes|no,\n"
    "--error-exitcode=0 (off). Other valgrind options are refused by name.\n"
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

/* Option i if --help lists it (help text, a long name), its form into opt. */
static const ch_optdef *listed(size_t i, char opt[64])
{
    const ch_optdef *d = &ch_optdefs[i];
    if (!d->help || !d->name[1])
        return NULL;
    format_option(d, opt, 64);
    return d;
}

void ch_print_usage(FILE *out)
{
    fputs(intro, out);
    for (size_t i = 0; i < ch_noptdefs; i++) {
        char opt[64];
        const ch_optdef *d = listed(i, opt);
        if (!d)
            continue;
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
    /* The default list, broken after a comma before the 80th column. */
    char skip[sizeof CH_SKIP_DEFAULT + 32];
    size_t w = 0, col = 2;
    for (const char *p = CH_SKIP_DEFAULT; *p && w < sizeof skip - 4; p++) {
        size_t word = strcspn(p + 1, ",");
        skip[w++] = *p;
        col++;
        if (*p == ',' && col + word > 78) {
            memcpy(skip + w, "\n  ", 3);
            w += 3;
            col = 2;
        }
    }
    skip[w] = 0;
    fprintf(out, outro, skip);
}

/* Text as roff: '\' and '-' escaped, a leading '.' or '\'' made literal. */
static void roff(FILE *out, const char *s, size_t n)
{
    if (n && (s[0] == '.' || s[0] == '\''))
        fputs("\\&", out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\')
            fputs("\\e", out);
        else if (s[i] == '-')
            fputs("\\-", out);
        else
            fputc(s[i], out);
    }
}

/* Every line of text as roff, the "usage:" lines left out. */
static void roff_text(FILE *out, const char *text)
{
    while (*text) {
        size_t len = strcspn(text, "\n");
        if (strncmp(text, "usage:", 6) && strncmp(text, "       cgoheap", 14)) {
            if (len == 0)
                fputs(".PP", out);
            roff(out, text, len);
            fputc('\n', out);
        }
        text += len + (text[len] != 0);
    }
}

void ch_print_man(FILE *out, const char *version)
{
    fprintf(out, ".TH CGOHEAP 1 \"\" \"cgoheap %s\" \"User Commands\"\n", version);
    fputs(".SH NAME\ncgoheap \\- C heap profiler and leak checker whose stacks see through cgo\n"
          ".SH SYNOPSIS\n.B cgoheap run\n[\\fIoptions\\fR] [\\fB\\-\\-\\fR] \\fIPROGRAM\\fR "
          "[\\fIARGS\\fR...]\n.br\n.B cgoheap \\-\\-version\n.SH DESCRIPTION\n",
          out);
    roff_text(out, intro);
    fputs(".SH OPTIONS\n", out);
    for (size_t i = 0; i < ch_noptdefs; i++) {
        char opt[64];
        const ch_optdef *d = listed(i, opt);
        if (!d)
            continue;
        fputs(".TP\n.B ", out);
        roff(out, opt, strlen(opt));
        fputc('\n', out);
        for (const char *h = d->help; *h;) {
            size_t len = strcspn(h, "\n");
            roff(out, h, len);
            fputc('\n', out);
            h += len + (h[len] != 0);
        }
    }
    fputs(".SH VALGRIND OPTIONS AND ENVIRONMENT\n", out);
    roff_text(out, outro + 1);
    fputs(".SH EXIT STATUS\nThe program's own status (128+N if signal N killed it), the "
          "\\-\\-error\\-exitcode value when leaks of the error kinds remain, 1 when cgoheap "
          "itself fails, 2 for a bad command line, 127 when the program cannot be run.\n"
          ".SH SEE ALSO\n.BR valgrind (1),\n.BR go (1)\n",
          out);
}

static const char completion_body[] =
    "_cgoheap() {\n"
    "    local line=${COMP_LINE:0:COMP_POINT} cur prev i word\n"
    "    cur=${line##*[[:space:]]}\n"
    "    COMPREPLY=()\n"
    "    if [ \"$COMP_CWORD\" -le 1 ]; then\n"
    "        COMPREPLY=($(compgen -W 'run --help --version' -- \"$cur\"))\n"
    "        return\n"
    "    fi\n"
    "    # After the program (or --) the words are the program's own.\n"
    "    for ((i = 2; i < COMP_CWORD; i++)); do\n"
    "        word=${COMP_WORDS[i]}\n"
    "        case $word in\n"
    "        --) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
    "        =) ;;\n"
    "        -*) ;;\n"
    "        *) [ \"${COMP_WORDS[i-1]}\" = = ] || _cgoheap_takes_value \"${COMP_WORDS[i-1]}\" ||\n"
    "            { COMPREPLY=($(compgen -f -- \"$cur\")); return; } ;;\n"
    "        esac\n"
    "    done\n"
    "    case $cur in\n"
    "    --*=*)\n"
    "        local opt=${cur%%=*} val=${cur#*=} done=\n"
    "        case $val in *,*) done=${val%,*},; val=${val##*,} ;; esac\n"
    "        local words; words=$(_cgoheap_values \"$opt\")\n"
    "        if [ \"$words\" = FILE ]; then\n"
    "            COMPREPLY=($(compgen -f -- \"$val\"))\n"
    "        else\n"
    "            COMPREPLY=($(compgen -P \"$done\" -W \"$words\" -- \"$val\"))\n"
    "        fi\n"
    "        # bash replaces only what follows the '=' when '=' breaks words.\n"
    "        case $COMP_WORDBREAKS in *=*) ;; *) COMPREPLY=(\"${COMPREPLY[@]/#/$opt=}\") ;; esac\n"
    "        ;;\n"
    "    -*) COMPREPLY=($(compgen -W \"$_cgoheap_options\" -- \"$cur\")) ;;\n"
    "    *) COMPREPLY=($(compgen -c -f -- \"$cur\")) ;;\n"
    "    esac\n"
    "}\n"
    "complete -o nospace -o default -F _cgoheap cgoheap\n";

/* The bash completion script: options, their values (kinds), files. */
void ch_print_completion(FILE *out)
{
    fputs("# bash completion for cgoheap (made by cgoheap --bash-completion)\n"
          "_cgoheap_options='",
          out);
    for (size_t i = 0; i < ch_noptdefs; i++) {
        const ch_optdef *d = &ch_optdefs[i];
        if (d->name[1])
            fprintf(out, "%s--%s%s", i ? " " : "", d->name,
                    d->has_arg == required_argument ? "=" : "");
    }
    fputs("'\n_cgoheap_values() {\n    case $1 in\n", out);
    for (size_t i = 0; i < ch_noptdefs; i++)
        if (ch_optdefs[i].values)
            fprintf(out, "    --%s) echo '%s' ;;\n", ch_optdefs[i].name, ch_optdefs[i].values);
    fputs("    esac\n}\n_cgoheap_takes_value() {\n    case $1 in\n", out);
    for (size_t i = 0; i < ch_noptdefs; i++)
        if (ch_optdefs[i].has_arg == required_argument)
            fprintf(out, "    --%s) return 0 ;;\n", ch_optdefs[i].name);
    fputs("    esac\n    return 1\n}\n", out);
    fputs(completion_body, out);
}
