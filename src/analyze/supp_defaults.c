/*
 * The built-in suppressions: memory that the Go runtime's C half, glibc and
 * ld.so allocate for the life of the process and never free, which a user
 * can do nothing about.
 *
 * Every pattern is anchored (^...$ or ^prefix) and names a function that only
 * allocates on the runtime's or libc's own behalf. A pattern is matched
 * against every frame of a stack, so anything that also appears in ordinary
 * stacks (__libc_start_main, start_thread, runtime.main, crosscall2,
 * _dl_init, which runs a library's constructors) would hide user leaks and
 * must never be listed here.
 *
 * Names of static glibc functions only match when debug symbols for glibc
 * are available; without them the exported callers named here still do.
 */
#include "analyze/supp_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct default_group {
    const char *why;
    const char *const *patterns;
    ch_supp_class as;
} default_group;

static const char *const go_runtime[] = {
    "^x_cgo_",                   /* runtime/cgo gcc_*.c: init, thread start, setenv */
    "^_cgo_sys_thread_start$",   /* creates every M's thread */
    "^_cgo_try_pthread_create$", /* its pthread_create retry loop */
    "^threadentry$",             /* the new thread's C entry */
    "^runtime.newosproc$",       /* thread creation without the C half */
    NULL,
};

static const char *const thread_tls[] = {
    "^_dl_allocate_tls$", /* pthread_create: each thread's dtv (interior pointer) */
    "^_dl_allocate_tls_init$",
    "^allocate_dtv$", /* its static helper, named when glibc's debug info is installed */
    "^_dl_resize_dtv$",
    "^_dl_update_slotinfo$",
    "^__tls_get_addr$", /* dynamic TLS blocks, owned by the dtv */
    NULL,
};

static const char *const loader[] = {
    "^_dl_new_object$", /* dlopen bookkeeping, kept in the link map */
    "^_dl_map_object_deps$", "^_dl_check_map_versions$",
    "^_dl_exception_create", /* dlerror() strings, kept per thread */
    "^_dlerror_run$",        NULL,
};

static const char *const libc_state[] = {
    "^_nl_",            /* locale data, loaded once and cached (setlocale/newlocale) */
    "^setlocale$",      /* the global locale's names */
    "^__new_exitfn$",   /* atexit lists: Go's exit never runs them */
    "^__tzfile_read$",  /* the time zone cache (tzset, localtime) */
    "^tzset_internal$", /* the cached TZ string */
    NULL,
};

/*
 * Blocks that glibc frees in __libc_freeres (which valgrind calls at exit,
 * so it reports none of them): the buffers of stdio streams, allocated when
 * a stream is first used. A user's leaks through stdio stay reported: the
 * FILE of a stream left open (still reachable, on glibc's list of open
 * files, as for valgrind) and what getline or open_memstream hand out.
 */
static const char *const libc_freeres[] = {
    "^_IO_file_doallocate$",  /* a stream's buffer (stdout's 4 KiB) */
    "^_IO_wfile_doallocate$", /* a wide-oriented stream's */
    NULL,
};

/*
 * The other caches __libc_freeres frees, as Debian's own tools fill them
 * (bench/truth: tar, sed, grep, find, git, curl... were "still reachable"
 * by 0.5-6 KB more than valgrind says, every block one of these). Each name
 * allocates nothing a caller gets back: iconv_open and getaddrinfo, whose
 * results are the user's to free, are not listed, only the caches below
 * them. Exported names come with the static ones for a libc without its
 * debug symbols.
 */
static const char *const libc_caches[] = {
    /* gettext: the domain's name and its binding to a directory */
    "^__textdomain$",
    "^textdomain$",
    "^__bindtextdomain$",
    "^bindtextdomain$",
    "^set_binding_values$",
    /* the conversion steps of the locale's charset (mbrtowc and friends) */
    "^__wcsmbs_load_conv$",
    /* NSS: nsswitch.conf parsed, its actions and modules */
    "^__nss_database_get$",
    "^__nss_*_lookup2$",
    "^nss_database_check_reload_and_get$",
    "^__nss_module_allocate$",
    "^__nss_action_allocate$",
    /* the static result buffers of the non-reentrant lookups */
    "^getpwuid$",
    "^getpwnam$",
    "^getgrgid$",
    "^getgrnam$",
    /* resolv.conf parsed (res_init, and below getaddrinfo) */
    "^__resolv_conf_",
    /* setenv's copies of the strings and the environment array it grew */
    "^__add_to_environ$",
    "^setenv$",
    "^putenv$",
    NULL,
};

/*
 * FREED_AT_EXIT: what __libc_freeres frees (setlocale.c, tzset.c, tzfile.c
 * and cxa_atexit.c register their free_mem hooks too); KEPT: what nothing
 * frees, valgrind included (a Go thread's TLS is "possibly lost" there, a
 * dlopen'ed library's link map "still reachable").
 */
static const default_group groups[] = {
    {"Go runtime: the C side of creating threads", go_runtime, CH_SUPP_KEPT},
    {"glibc: every thread's TLS and dtv (pthread_create)", thread_tls, CH_SUPP_KEPT},
    {"ld.so: dlopen and dlerror bookkeeping", loader, CH_SUPP_KEPT},
    {"glibc: process-wide caches (locale, atexit, time zone)", libc_state, CH_SUPP_FREED_AT_EXIT},
    {"glibc: stdio buffers (freed by __libc_freeres)", libc_freeres, CH_SUPP_FREED_AT_EXIT},
    {"glibc: gettext, mbrtowc, NSS, resolver and setenv caches (freed by __libc_freeres)",
     libc_caches, CH_SUPP_FREED_AT_EXIT},
};

#define NGROUPS (sizeof groups / sizeof groups[0])

/*
 * libstdc++'s emergency exception pool (eh_alloc.cc: 72 KiB allocated by its
 * constructor, freed only by __gnu_cxx::__freeres, which valgrind calls at
 * exit) is named by no frame: Debian's libstdc++ has no symbols for it. The
 * stack tells it: only libstdc++ frames below the dynamic loader's, which is
 * libstdc++'s own start-up. A user's code in between (its constructor, or
 * anything it calls) breaks the shape.
 */
#define STARTUP_RULE "libstdc++ start-up: libstdc++ frames called by the dynamic loader"

static int basename_is(const char *path, const char *prefix)
{
    if (!path)
        return 0;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    return !strncmp(base, prefix, strlen(prefix));
}

const char *ch_supp_match_startup(const ch_suppressions *s, const char *const *modules, size_t n)
{
    if (!ch_supp_has_defaults(s))
        return NULL;
    size_t i = 0;
    while (i < n && basename_is(modules[i], "libstdc++.so"))
        i++;
    return i > 0 && i < n && basename_is(modules[i], "ld-linux") ? STARTUP_RULE : NULL;
}

ch_supp_class ch_supp_class_of(const char *pattern)
{
    if (!pattern)
        return CH_SUPP_USER;
    if (!strcmp(pattern, STARTUP_RULE)) /* the pool, freed by __gnu_cxx::__freeres */
        return CH_SUPP_FREED_AT_EXIT;
    for (size_t g = 0; g < NGROUPS; g++)
        for (const char *const *p = groups[g].patterns; *p; p++)
            if (!strcmp(pattern, *p))
                return groups[g].as;
    return CH_SUPP_USER;
}

void ch_supp_add_defaults(ch_suppressions *s)
{
    ch_supp_set_defaults(s);
    /* Out of memory here only shortens the list; ch_supp_add leaves s valid. */
    for (size_t g = 0; g < NGROUPS; g++)
        for (const char *const *p = groups[g].patterns; *p; p++)
            if (ch_supp_add(s, *p))
                return;
}

void ch_supp_print_defaults(FILE *out)
{
    fprintf(out, "# cgoheap built-in suppressions (LeakSanitizer format)\n");
    for (size_t g = 0; g < NGROUPS; g++) {
        fprintf(out, "\n# %s\n", groups[g].why);
        for (const char *const *p = groups[g].patterns; *p; p++)
            fprintf(out, "leak:%s\n", *p);
    }
    fprintf(out,
            "\n# %s\n# (the emergency exception pool; a rule on the stack's modules, "
            "not a pattern)\n",
            STARTUP_RULE);
}
