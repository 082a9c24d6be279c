/*
 * Why nothing was tracked. The agent is loaded by the dynamic loader
 * through LD_PRELOAD, which does not happen:
 *  - for a statically linked program (no PT_INTERP: no loader runs);
 *    a Go program built without cgo is one, and has no C heap at all;
 *  - for a set-user-ID or set-group-ID program run by another user (the
 *    loader's secure mode drops LD_PRELOAD paths that contain a slash);
 *  - when the program or a wrapper between it and cgoheap cleared or
 *    replaced LD_PRELOAD (env -i, sudo, a shell profile).
 * (A path with a space or a colon, which LD_PRELOAD splits on and cannot
 * escape, is avoided by the launcher: it preloads through a symlink.)
 */
#include "collect/untracked.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct elf_facts {
    bool interp; /* has a PT_INTERP: the dynamic loader runs */
    bool go;     /* has Go's build info */
    bool cgo;    /* has runtime/cgo's C start-up (x_cgo_init) */
} elf_facts;

static bool has_symbol(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *name)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
    for (size_t i = 0; d && i < n; i++) {
        GElf_Sym sym;
        const char *s =
            gelf_getsym(d, (int)i, &sym) ? elf_strptr(elf, sh->sh_link, sym.st_name) : NULL;
        if (s && strcmp(s, name) == 0)
            return true;
    }
    return false;
}

static int read_facts(const char *path, elf_facts *f)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    elf_version(EV_CURRENT);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    size_t nph = 0, shstr = 0;
    int rc = elf && elf_kind(elf) == ELF_K_ELF && elf_getphdrnum(elf, &nph) == 0 ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < nph; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_INTERP)
            f->interp = true;
    }
    if (rc == 0 && elf_getshdrstrndx(elf, &shstr) == 0)
        for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
            GElf_Shdr sh;
            const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstr, sh.sh_name) : NULL;
            if (name && strcmp(name, ".go.buildinfo") == 0)
                f->go = true;
            if (name && sh.sh_type == SHT_SYMTAB)
                f->cgo = has_symbol(elf, scn, &sh, "x_cgo_init");
        }
    if (elf)
        elf_end(elf);
    close(fd);
    return rc;
}

void ch_untracked_reason(const char *image, char *why, size_t len, bool *no_c_heap)
{
    elf_facts f = {0};
    struct stat st;
    *no_c_heap = false;
    if (read_facts(image, &f) == 0 && !f.interp) {
        *no_c_heap = f.go && !f.cgo;
        snprintf(why, len,
                 *no_c_heap ? "%s is a Go program built without cgo: it has no C heap to check"
                            : "%s is statically linked, so the agent cannot be preloaded into it; "
                              "link it dynamically to check it",
                 image);
    } else if (stat(image, &st) == 0 && (((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
                                         ((st.st_mode & S_ISGID) && st.st_gid != getegid()))) {
        snprintf(why, len,
                 "%s is set-user-ID or set-group-ID, and the loader ignores LD_PRELOAD for it; "
                 "run it as its owner, or a copy without the bit",
                 image);
    } else {
        snprintf(why, len,
                 "the loader did not load the agent into %s; was LD_PRELOAD cleared or "
                 "replaced on the way (env -i, sudo, a wrapper)?",
                 image);
    }
}
