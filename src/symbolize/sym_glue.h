/* Which frames are cgo glue, Go call machinery or the agent (hidden by default). */
#ifndef CGOHEAP_SYM_GLUE_H
#define CGOHEAP_SYM_GLUE_H

#include <stdbool.h>

/* function may be NULL; module is the module's path, may be NULL. */
bool sym_is_glue(const char *function, const char *module);

#endif
