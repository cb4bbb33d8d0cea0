/* The budget of what domains may make the hypervisor hold: see quota.h. */
#include <errno.h>

#include "quota.h"

void quota_init(struct quota *q, uint64_t fds, uint64_t maps)
{
    uint64_t total = maps * QUOTA_UNITS_PER_MAPPING < fds ? maps * QUOTA_UNITS_PER_MAPPING : fds;
    uint64_t reserve = total / 8 > QUOTA_MIN_RESERVE ? total / 8 : QUOTA_MIN_RESERVE;

    q->limit = total > reserve ? total - reserve : 0;
    q->used = 0;
}

int quota_take(struct quota *q, uint64_t n)
{
    if (!q)
        return 0;
    if (n > q->limit - q->used)
        return -ENOSPC;
    q->used += n;
    return 0;
}

void quota_give(struct quota *q, uint64_t n)
{
    if (q)
        q->used -= n;
}
