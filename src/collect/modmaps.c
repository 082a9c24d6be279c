/*
 * The module paths in the record are written by the target: the
 * symbolizer must not open whatever they name (a FIFO would hang the
 * launcher; a root launcher would read any file). At the exit stop the
 * kernel's own list of the target's file mappings (/proc/PID/maps: device,
 * inode, path) says which file each path really is; the symbolizer then
 * reads a module only if the file at that path still has that device and
 * inode. A file that was deleted or renamed over while the program ran
 * shows as "PATH (deleted)": its frames would be symbolized from another
 * build, so it is not read at all and the report says so.
 * A module mapped no more at exit (dlclosed) keeps dev = ino = 0.
 *
 * A file overwritten in place keeps its inode: the build ID the agent read
 * from the mapped image says whether the file is still that build. A
 * module with a build ID whose file now has another is not read either.
 * A dlclosed module has no mapping to vouch for its file: it is read only
 * if its file has the very build ID the agent saw, else its frames would
 * be named from whatever lies at that path now.
 */
#include "collect/modmaps.h"
#include "symbolize/sym_elf.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#define DELETED " (deleted)"

static void match(ch_profile *p, const char *path, unsigned maj, unsigned min,
                  unsigned long long ino)
{
    size_t len = strlen(path), dl = strlen(DELETED);
    bool deleted = len > dl && strcmp(path + len - dl, DELETED) == 0;
    if (deleted)
        len -= dl;
    for (size_t i = 0; i < p->nmodules; i++) {
        ch_module *m = &p->modules[i];
        if (!m->path || strncmp(m->path, path, len) != 0 || m->path[len] != 0)
            continue;
        if (deleted) {
            m->replaced = true;
        } else if (!m->replaced) {
            m->dev = makedev(maj, min);
            m->ino = ino;
        }
    }
}

void ch_modules_from_maps(pid_t pid, ch_profile *p)
{
    char path[64], line[PATH_MAX + 128];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof line, f)) {
        unsigned maj, min;
        unsigned long long ino;
        int at = 0;
        line[strcspn(line, "\n")] = 0;
        if (sscanf(line, "%*x-%*x %*s %*x %x:%x %llu %n", &maj, &min, &ino, &at) == 3 && ino &&
            at && line[at] == '/')
            match(p, line + at, maj, min, ino);
    }
    if (f)
        fclose(f);
}

/* 1 if the file at m's path is the build the agent saw mapped, 0 if it is another, -1 if
 * that cannot be told (no build ID recorded, the file cannot be read). */
static int same_build(const ch_module *m)
{
    sym_elf e;
    if (!m->build_id[0] || sym_elf_open_as(&e, m->path, m->dev, m->ino) != 0)
        return -1;
    char id[sizeof m->build_id];
    sym_elf_build_id(&e, id, sizeof id);
    sym_elf_close(&e);
    return strcmp(id, m->build_id) == 0;
}

void ch_modules_verify(ch_profile *p)
{
    for (size_t i = 0; i < p->nmodules; i++) {
        ch_module *m = &p->modules[i];
        if (m->replaced || !m->path || (!m->build_id[0] && !m->unloaded))
            continue;
        int same = same_build(m);
        m->replaced = same == 0 || (same < 0 && m->unloaded);
    }
}
