/* Followed child processes, launcher side: finding their records, naming them. */
#ifndef CGOHEAP_CHILDREN_H
#define CGOHEAP_CHILDREN_H

#include "collect/collect.h"
#include "common/shm_layout.h"
#include <stdbool.h>
#include <sys/types.h>

/*
 * Maps the record a followed child made for itself at descriptor `num`
 * (include/cgoheap/follow.h), read-only: a memfd of the agent's name,
 * validated like any record and made for this pid. Returns 0, or -1 with
 * a one-line reason (the child never attached, or closed the descriptor).
 */
int ch_child_record_open(pid_t pid, int num, ch_shm *shm, char *why, size_t len);

/* A child still running when the program ended is let go: its agent is told
 * to stop recording (CH_OPT_RELEASED in its record at descriptor num). */
void ch_child_release(pid_t pid, int num);

/* Whether the program child `pid` now runs matches the skip list. */
bool ch_child_skipped(pid_t pid, const char *skip);

/* The child's parent pid and command line (argv, NULL-terminated, in one
 * allocation: free(info->argv)); argv is NULL if it could not be read. */
void ch_child_info_read(pid_t pid, ch_proc_info *info);

/* Sets the environment the program inherits: CGOHEAP_CHILDREN and its skip
 * list when children are followed, neither otherwise. -1 with errno. */
int ch_children_env(const ch_run_opts *o, uint64_t sample_rate, uint32_t stack_cap);

#endif
