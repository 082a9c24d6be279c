#include "cli/suggest.h"

#include <string.h>

#define MAXLEN 64

/* Optimal string alignment distance (Damerau-Levenshtein without reuse). */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[MAXLEN + 1][MAXLEN + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *ch_suggest(const char *word, size_t len, const char *const *words, size_t n)
{
    if (len == 0 || len > MAXLEN)
        return NULL;
    const char *best = NULL;
    size_t best_d = 1 + len / 4 + 1;
    for (size_t i = 0; i < n; i++) {
        size_t lw = strlen(words[i]);
        if (lw > MAXLEN)
            continue;
        size_t dist = distance(word, len, words[i], lw);
        if (dist < best_d) {
            best_d = dist;
            best = words[i];
        }
    }
    return best;
}
