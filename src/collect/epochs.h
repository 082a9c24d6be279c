/*
 * The launcher's clock of allocation epochs (shm.h): a thread of the
 * launcher keeps the record's `epoch` current and remembers when each
 * epoch began, so that a block's epoch gives its age.
 */
#ifndef CGOHEAP_COLLECT_EPOCHS_H
#define CGOHEAP_COLLECT_EPOCHS_H

#include "cgoheap/shm.h"
#include "common/profile.h"

typedef struct ch_epochs ch_epochs;

/* Starts counting at epoch 0, now, in the record h (mapped as long as the clock runs). NULL if
 * no thread could start: the agent then records epoch 0 and ages stay unknown. */
ch_epochs *ch_epochs_start(ch_shm_header *h);

/* Stops the thread and frees the clock. */
void ch_epochs_stop(ch_epochs *c);

/* Sets p->epoch_age (malloc'ed) and p->nepochs as of now; nothing if c is NULL. 0, or -1 if out
 * of memory (ages then stay unknown). Any thread may call it while the clock runs. */
int ch_epochs_ages(const ch_epochs *c, ch_profile *p);

#endif
