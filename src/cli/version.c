#include "cli/version.h"
/* Made by the Makefile at each build from `git rev-parse HEAD` (+"-dirty"):
 * defines CGOHEAP_COMMIT, "" when built outside a git checkout. */
#include "cgoheap_commit.h"

const char *ch_version(void)
{
    return CGOHEAP_VERSION " (commit " CGOHEAP_COMMIT ")";
}
