/* cgoheap's version and the git commit it was built from. */
#ifndef CGOHEAP_VERSION_H
#define CGOHEAP_VERSION_H

#define CGOHEAP_VERSION "0.1.0"

/* "0.1.0 (commit 1fd9efe1a2b3)"; "commit unknown" for a build outside git. */
const char *ch_version(void);

#endif
