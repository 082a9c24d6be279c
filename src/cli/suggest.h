/* "Did you mean": the closest of a set of words to a misspelled one. */
#ifndef CGOHEAP_SUGGEST_H
#define CGOHEAP_SUGGEST_H

#include <stddef.h>

/*
 * The word of words[0..n) nearest to word[0..len) by edit distance
 * (insertions, deletions, substitutions, swaps of neighbours), if it is
 * near enough to be a slip of the fingers: at most 1 + len/4 edits. NULL
 * otherwise.
 */
const char *ch_suggest(const char *word, size_t len, const char *const *words, size_t n);

#endif
