/* Tying the record's module paths to the files the kernel mapped in the target. */
#ifndef CGOHEAP_MODMAPS_H
#define CGOHEAP_MODMAPS_H

#include "common/profile.h"
#include <sys/types.h>

/* While the target is stopped at its exit: sets each module's dev and ino
 * from /proc/PID/maps, or `replaced` if the file mapped there under that
 * path was deleted or replaced since. */
void ch_modules_from_maps(pid_t pid, ch_profile *p);

/* Sets `replaced` on each module whose file is not the build the agent saw
 * mapped (by build ID), and on each unloaded module that cannot be shown to
 * be (no build ID, file gone or unreadable). After ch_modules_from_maps. */
void ch_modules_verify(ch_profile *p);

#endif
