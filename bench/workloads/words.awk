# The gawk workload: a word count over lines of "id key text", the kind of
# script gawk is used for. Every distinct key keeps its count, its last line
# and its first id in three arrays until exit, so a run of N lines leaves
# about N/2 keys (and their strings) allocated when gawk exits without
# freeing them, as it always does.
{
    n[$2]++
    last[$2] = $0
    if (!($2 in first))
        first[$2] = $1
    total += length($3)
}
END {
    for (k in n)
        keys++
    print "gawk: " keys " keys, " total " bytes of text"
}
