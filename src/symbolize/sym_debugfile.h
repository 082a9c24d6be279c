/* Separate debug info: /usr/lib/debug/.build-id/xx/yyyy.debug, then .gnu_debuglink. */
#ifndef CGOHEAP_SYM_DEBUGFILE_H
#define CGOHEAP_SYM_DEBUGFILE_H

#include "symbolize/sym_elf.h"

/*
 * Opens the separate debug file of the module at path (already open as e)
 * into dbg. Returns 0, or -1 if there is none. The root directory is
 * /usr/lib/debug unless CGOHEAP_DEBUG_ROOT names another.
 */
int sym_debugfile_open(const sym_elf *e, const char *path, sym_elf *dbg);

#endif
