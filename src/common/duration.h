/* Durations as the options and the HTTP parameters take them. */
#ifndef CGOHEAP_COMMON_DURATION_H
#define CGOHEAP_COMMON_DURATION_H

/* "500ms", "30s", "5m", "1h" or plain seconds, > 0, into seconds. 0, or -1 if malformed. */
int ch_parse_duration(const char *s, double *out);

#endif
