/*
 * Finding separate debug files the way gdb does, without debuginfod: this
 * runs after the target exited and must not wait on the network.
 */
#include "symbolize/sym_debugfile.h"

#include <elfutils/libdwelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *debug_root(void)
{
    const char *root = getenv("CGOHEAP_DEBUG_ROOT");
    return root != NULL && root[0] == '/' ? root : "/usr/lib/debug";
}

/* A debug file is only used if it describes the same build. */
static bool same_build(const sym_elf *a, const sym_elf *b)
{
    const void *ida = NULL, *idb = NULL;
    ssize_t na = dwelf_elf_gnu_build_id(a->elf, &ida);
    ssize_t nb = dwelf_elf_gnu_build_id(b->elf, &idb);
    if (na <= 0 || nb <= 0)
        return true; /* nothing to compare; trust the link */
    return na == nb && memcmp(ida, idb, (size_t)na) == 0;
}

static int try_open(const sym_elf *e, const char *candidate, sym_elf *dbg)
{
    if (sym_elf_open(dbg, candidate) != 0)
        return -1;
    if (!same_build(e, dbg)) {
        sym_elf_close(dbg);
        return -1;
    }
    return 0;
}

static int by_build_id(const sym_elf *e, sym_elf *dbg)
{
    const void *id = NULL;
    ssize_t n = dwelf_elf_gnu_build_id(e->elf, &id);
    if (n < 2 || n > 64)
        return -1;
    const uint8_t *b = id;
    char path[PATH_MAX];
    int len = snprintf(path, sizeof(path), "%s/.build-id/%02x/", debug_root(), b[0]);
    for (ssize_t i = 1; i < n && len > 0 && (size_t)len < sizeof(path) - 8; i++)
        len += snprintf(path + len, sizeof(path) - (size_t)len, "%02x", b[i]);
    if (len <= 0 || (size_t)len >= sizeof(path) - 8)
        return -1;
    strcpy(path + len, ".debug");
    return try_open(e, path, dbg);
}

static int by_debuglink(const sym_elf *e, const char *path, sym_elf *dbg)
{
    GElf_Word crc;
    const char *link = dwelf_elf_gnu_debuglink(e->elf, &crc);
    if (link == NULL || link[0] == '\0' || strchr(link, '/') != NULL)
        return -1;
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path) : 0;
    char cand[PATH_MAX];
    const char *forms[] = {"%.*s/%s", "%.*s/.debug/%s", "%s%.*s/%s"};
    for (int i = 0; i < 3; i++) {
        int len = i < 2 ? snprintf(cand, sizeof(cand), forms[i], dirlen, path, link)
                        : snprintf(cand, sizeof(cand), forms[i], debug_root(), dirlen, path, link);
        if (len <= 0 || (size_t)len >= sizeof(cand) || strcmp(cand, path) == 0)
            continue;
        if (try_open(e, cand, dbg) == 0)
            return 0;
    }
    return -1;
}

int sym_debugfile_open(const sym_elf *e, const char *path, sym_elf *dbg)
{
    if (by_build_id(e, dbg) == 0)
        return 0;
    return by_debuglink(e, path, dbg);
}
