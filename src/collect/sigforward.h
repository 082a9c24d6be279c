/* Passing the signals the launcher gets on to the program, each once. */
#ifndef CGOHEAP_SIGFORWARD_H
#define CGOHEAP_SIGFORWARD_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* Blocks every signal the launcher passes on, and SIGCHLD, before the
 * program's process is started: from then on they wait for ch_sigfwd_wait and none
 * can kill the launcher (nor is lost before the wait loop). They stay
 * blocked until the launcher exits, so the report is always written. */
void ch_sigfwd_block(void);

/* The mask the launcher was started with, which the program gets at its exec. */
sigset_t ch_sigfwd_program_mask(void);

/* The program's pid: the one signals are passed to from now on. */
void ch_sigfwd_start(pid_t pid);

/* Waits up to `seconds` for SIGCHLD or a signal to pass on; a signal is
 * queued for ch_sigfwd_settle. */
void ch_sigfwd_wait(double seconds);

/* At a signal-delivery stop of a traced thread of the program: the signal
 * it is about to get, so that the launcher's copy of a signal sent to the
 * whole process group is not passed on a second time. */
void ch_sigfwd_note_target(pid_t tid, int sig);

/* Called when no wait event is left: true if it looked at the program's
 * pending signals for newly queued ones (the caller then collects the
 * stops that may have come meanwhile and calls it again); false once every
 * queued signal was passed on or found to be the program's already. */
bool ch_sigfwd_settle(void);

/* The program has ended: queued and pending signals are dropped. */
void ch_sigfwd_stop(void);

#endif
