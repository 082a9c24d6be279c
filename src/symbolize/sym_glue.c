/*
 * Internal frames: the machinery between a Go call site and the C function
 * it calls, which tells the user nothing about where the leak comes from.
 */
#include "symbolize/sym_glue.h"

#include <string.h>

static const char *const runtime_exact[] = {
    "runtime.cgocall",     "runtime.asmcgocall", "runtime.asmcgocall_landingpad",
    "runtime.systemstack", "runtime.mcall",      "runtime.cgocallback",
    "crosscall2",
};

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_agent_module(const char *module)
{
    const char *base = strrchr(module, '/');
    base = base ? base + 1 : module;
    return strcmp(base, "libcgoheap.so") == 0;
}

static bool is_cgo_glue(const char *fn)
{
    /* _cgo_* may carry a package prefix (main._cgo_cmalloc); so may _Cfunc_. */
    if (starts_with(fn, "_cgo_") || strstr(fn, "._cgo_") != NULL)
        return true;
    if (starts_with(fn, "x_cgo_") || starts_with(fn, "_Cfunc_") || strstr(fn, "._Cfunc_") != NULL)
        return true;
    return starts_with(fn, "runtime.cgocallbackg");
}

bool sym_is_glue(const char *function, const char *module)
{
    if (module != NULL && is_agent_module(module))
        return true;
    if (function == NULL)
        return false;
    for (size_t i = 0; i < sizeof(runtime_exact) / sizeof(runtime_exact[0]); i++)
        if (strcmp(function, runtime_exact[i]) == 0)
            return true;
    return is_cgo_glue(function);
}
