/* Checked reads of the Go runtime's memory; see goread.h. */
#include "collect/goread.h"

#include <stdio.h>

int ch_go_bad(ch_go_reader *r, const char *what, uint64_t addr)
{
    snprintf(r->err, r->errlen, "%s at 0x%llx", what, (unsigned long long)addr);
    return -1;
}

int ch_go_read(const ch_go_reader *r, uint64_t addr, void *buf, size_t len)
{
    return addr < CH_GO_ADDR_LIMIT && r->read(r->ctx, addr, buf, len) == (long)len ? 0 : -1;
}

int ch_go_read_exact(ch_go_reader *r, uint64_t addr, void *buf, size_t len, const char *what)
{
    if (ch_go_read(r, addr, buf, len) == 0)
        return 0;
    snprintf(r->err, r->errlen, "cannot read %s at 0x%llx", what, (unsigned long long)addr);
    return -1;
}
