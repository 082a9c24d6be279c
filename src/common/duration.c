/* Durations (duration.h). */
#include "common/duration.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ch_parse_duration(const char *s, double *out)
{
    static const struct {
        const char *unit;
        double seconds;
    } units[] = {{"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}, {"", 1}};
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    double v = strtod(s, &end);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(end, units[i].unit)) {
            *out = v * units[i].seconds;
            return errno || !(*out > 0) || *out > 1e9 ? -1 : 0;
        }
    return -1;
}
