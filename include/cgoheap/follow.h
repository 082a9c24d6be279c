/*
 * Following child processes: what the launcher and the agent agree on.
 *
 * The launcher sets CGOHEAP_CHILDREN in the program's environment when it
 * follows children. A process whose inherited record (CGOHEAP_SHM_FD) is
 * not its own -- a program exec'd by a child, a child forked without
 * exec -- then makes a record of its own at the same descriptor number,
 * where the launcher finds it at the process's exit stop
 * (/proc/PID/fd/N, checked like any record: it is written by the program).
 *
 * A child whose executable matches CGOHEAP_CHILDREN_SKIP (the compilers,
 * assemblers and linkers a build starts) is not followed: the launcher
 * detaches it at its exec stop, and its agent stays passive and drops the
 * inherited record, so that its own children are not followed either.
 * Both sides decide with ch_skip_match on the same names.
 */
#ifndef CGOHEAP_FOLLOW_H
#define CGOHEAP_FOLLOW_H

#include <fnmatch.h>
#include <stddef.h>
#include <string.h>

/* "RATE CAP PID": the sample rate and stack capacity of the records children
 * make, and the launcher's pid: only a process it traces makes one. */
#define CH_ENV_CHILDREN "CGOHEAP_CHILDREN"
/* Comma-separated globs (fnmatch) matched against the executable's path, its base
 * name, argv[0] and argv[0]'s base name. */
#define CH_ENV_CHILDREN_SKIP "CGOHEAP_CHILDREN_SKIP"

/* ch_shm_header.options: the record the launcher made for the program itself
 * (never skipped, whatever it execs). */
#define CH_OPT_TOP 1u
/* Set by the launcher in the record of a child still running when the program
 * ended: nobody will read it. Its agent stops recording at its next batch of
 * events (agent/thread.c), copies nothing at a fork and drops it at an exec. */
#define CH_OPT_RELEASED 2u
/* Set by the launcher in its own record when the program itself matches the
 * skip list (`cgoheap run gcc ...`, a nested cgoheap): it is reported, its
 * children are not followed, and its forks copy nothing. */
#define CH_OPT_NO_CHILDREN 4u

/* The Go toolchain's tools and the C compilers' drivers, passes, assemblers and
 * linkers: they leak by design and would drown the program's own report. And
 * the tracers (cgoheap itself, debuggers): a followed process is traced by the
 * launcher already, so their ptrace of their own children would fail. */
#define CH_SKIP_DEFAULT                                                                            \
    "cgoheap,gdb,strace,ltrace,rr,"                                                                \
    "compile,asm,link,cgo,vet,buildid,pack,cover,"                                                 \
    "cc1,cc1plus,cc1obj,lto1,lto-wrapper,collect2,as,*-as,ld,ld.*,*-ld,*-ld.*,"                    \
    "cc,c++,cpp,gcc,gcc-[0-9]*,*-gcc,*-gcc-[0-9]*,g++,g++-[0-9]*,*-g++,*-g++-[0-9]*,"              \
    "clang,clang-[0-9]*,clang++,clang++-[0-9]*,ld.lld,lld"

/* Whether one comma-separated glob of `patterns` matches `name`. */
static inline int ch_skip_match_one(const char *patterns, const char *name)
{
    char pat[256];
    if (!name || !*name)
        return 0;
    for (const char *p = patterns; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n > 0 && n < sizeof pat) {
            memcpy(pat, p, n);
            pat[n] = 0;
            if (fnmatch(pat, name, 0) == 0)
                return 1;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

static inline const char *ch_base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path;
}

/* Whether a process running `exe` (its real path) as `argv0` is skipped. */
static inline int ch_skip_match(const char *patterns, const char *exe, const char *argv0)
{
    if (!patterns || !*patterns)
        return 0;
    return ch_skip_match_one(patterns, exe) || ch_skip_match_one(patterns, ch_base_name(exe)) ||
           ch_skip_match_one(patterns, argv0) || ch_skip_match_one(patterns, ch_base_name(argv0));
}

#endif
