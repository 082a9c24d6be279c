/* Following child processes, agent side: records of their own (follow.c). */
#ifndef CGOHEAP_AGENT_FOLLOW_H
#define CGOHEAP_AGENT_FOLLOW_H

/* The launcher follows children (CGOHEAP_CHILDREN is set). */
int ch_follow_on(void);

/* This program matches the skip list: it records nothing. */
int ch_follow_skipped(void);

/* Makes an empty record for this pid at descriptor `at`; returns `at`, or -1. */
int ch_follow_new_record(int at);

/* pthread_atfork's handlers: the parent copies its record for the child. */
void ch_follow_fork_prepare(void);
void ch_follow_fork_parent(void);
/* In the child: 1 if it now records into its copy (at the same address and
 * descriptor), 0 if there is none: it must then drop the parent's. */
int ch_follow_fork_child(void);

#endif
