/*
 * The libmicrohttpd functions serve/http.c calls, resolved with dlopen when
 * the first server opens (mhd_load.h says why). The library is looked for
 * under the SONAME of the libmicrohttpd.so the build found (CH_MHD_SONAME,
 * from the Makefile), the ABI its microhttpd.h describes.
 */
#include "serve/mhd_load.h"

#include <dlfcn.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>

#ifndef CH_MHD_SONAME
#define CH_MHD_SONAME "libmicrohttpd.so.12"
#endif

static struct {
    struct MHD_Daemon *(*start_va)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
                                   MHD_AccessHandlerCallback, void *, va_list);
    void (*stop)(struct MHD_Daemon *);
    const char *(*lookup)(struct MHD_Connection *, enum MHD_ValueKind, const char *);
    struct MHD_Response *(*from_buffer)(size_t, void *, enum MHD_ResponseMemoryMode);
    enum MHD_Result (*add_header)(struct MHD_Response *, const char *, const char *);
    enum MHD_Result (*queue)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
    void (*destroy)(struct MHD_Response *);
} fn;

static const struct {
    const char *name;
    void **slot;
} syms[] = {
    {"MHD_start_daemon_va", (void **)&fn.start_va},
    {"MHD_stop_daemon", (void **)&fn.stop},
    {"MHD_lookup_connection_value", (void **)&fn.lookup},
    {"MHD_create_response_from_buffer", (void **)&fn.from_buffer},
    {"MHD_add_response_header", (void **)&fn.add_header},
    {"MHD_queue_response", (void **)&fn.queue},
    {"MHD_destroy_response", (void **)&fn.destroy},
};

int ch_mhd_load(char *err, size_t errlen)
{
    static void *lib;
    if (lib)
        return 0;
    void *h = dlopen(CH_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "--http needs libmicrohttpd: %s", dlerror());
        return -1;
    }
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        if (!(*syms[i].slot = dlsym(h, syms[i].name))) {
            snprintf(err, errlen, "--http: %s has no %s", CH_MHD_SONAME, syms[i].name);
            dlclose(h);
            return -1;
        }
    }
    lib = h;
    return 0;
}

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                                    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = fn.start_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}

void MHD_stop_daemon(struct MHD_Daemon *daemon)
{
    fn.stop(daemon);
}

const char *MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                        const char *key)
{
    return fn.lookup(connection, kind, key);
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                     enum MHD_ResponseMemoryMode mode)
{
    return fn.from_buffer(size, buffer, mode);
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *response, const char *header,
                                        const char *content)
{
    return fn.add_header(response, header, content);
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
                                   struct MHD_Response *response)
{
    return fn.queue(connection, status_code, response);
}

void MHD_destroy_response(struct MHD_Response *response)
{
    fn.destroy(response);
}
