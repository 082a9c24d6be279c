/*
 * The exec family and posix_spawn, interposed so that programs started by
 * a process that does not own the record (a vfork child) or through
 * posix_spawn do not inherit its descriptor (spawn.c).
 */
#ifndef CGOHEAP_AGENT_SPAWN_H
#define CGOHEAP_AGENT_SPAWN_H

/* Looks up glibc's execvpe, fexecve and posix_spawn(p): from the constructor. */
void ch_spawn_setup(void);

#endif
