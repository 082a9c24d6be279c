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

typedef struct default_group {
    const char *why;
    const char *const *patterns;
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

static const default_group groups[] = {
    {"Go runtime: the C side of creating threads", go_runtime},
    {"glibc: every thread's TLS and dtv (pthread_create)", thread_tls},
    {"ld.so: dlopen and dlerror bookkeeping", loader},
    {"glibc: process-wide caches (locale, atexit, time zone)", libc_state},
};

#define NGROUPS (sizeof groups / sizeof groups[0])

void ch_supp_add_defaults(ch_suppressions *s)
{
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
}
