/*
 * Report file names like valgrind's --log-file: %p is the tracked
 * program's pid, %q{VAR} the value of the environment variable VAR, %% a
 * '%'. So that `go test -p 4` and runs side by side do not overwrite each
 * other's reports.
 */
#ifndef CGOHEAP_COMMON_PATH_EXPAND_H
#define CGOHEAP_COMMON_PATH_EXPAND_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Expands tmpl into out. Returns 0, or -1 with a one-line error in err (a
 * '%' followed by anything else, an unset VAR, a result longer than outlen).
 */
int ch_path_expand(const char *tmpl, long pid, char *out, size_t outlen, char *err, size_t errlen);

/* Whether tmpl holds %p: its file can only be opened once the program runs. */
bool ch_path_has_pid(const char *tmpl);

#endif
