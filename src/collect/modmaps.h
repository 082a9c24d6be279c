/* Tying the record's module paths to the files the kernel mapped in the target. */
#ifndef CGOHEAP_MODMAPS_H
#define CGOHEAP_MODMAPS_H

#include "common/profile.h"
#include <sys/types.h>

/* While the target is stopped at its exit: sets each module's dev and ino
 * from /proc/PID/maps, or `replaced` if the file mapped there under that
 * path was deleted or replaced since. */
void ch_modules_from_maps(pid_t pid, ch_profile *p);

#endif
