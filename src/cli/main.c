/* cgoheap: a C heap profiler and leak checker whose stacks see through cgo. */
#include "cgoheap/shm.h"
#include "cli/options.h"
#include "cli/run.h"
#include "cli/version.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        ch_print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("cgoheap %s, record format %u\n", ch_version(), CH_SHM_VERSION);
        return 0;
    }
    /* For `make`: the man page and the completion script. */
    if (!strcmp(argv[1], "--man")) {
        ch_print_man(stdout, ch_version());
        return 0;
    }
    if (!strcmp(argv[1], "--bash-completion")) {
        ch_print_completion(stdout);
        return 0;
    }
    if (strcmp(argv[1], "run")) {
        fprintf(stderr,
                "cgoheap: unknown command '%s' (usage: cgoheap run [options] [--] PROGRAM)\n",
                argv[1]);
        return 2;
    }
    ch_options o;
    char err[512];
    int rc = ch_parse_run_options(argc - 2, argv + 2, &o, err, sizeof err);
    o.cmd_argc = argc;
    o.cmd_argv = argv;
    if (rc > 0)
        return 0;
    if (rc < 0) {
        fprintf(stderr, "cgoheap: %s\n", err);
        return 2;
    }
    return ch_run(&o);
}
