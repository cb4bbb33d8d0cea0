/* Token bucket as GCRA (see ratelimit.h). */
#include <time.h>

#include "sv/ratelimit.h"

uint64_t ratelimit_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ratelimit_init(struct ratelimit *r, uint32_t per_second, uint32_t burst)
{
    r->interval_ns = 1000000000ull / (per_second ? per_second : 1);
    r->tolerance_ns = (uint64_t)(burst ? burst - 1 : 0) * r->interval_ns;
    r->tat_ns = 0;
}

uint64_t ratelimit_take(struct ratelimit *r, uint64_t now_ns)
{
    uint64_t tat = r->tat_ns > now_ns ? r->tat_ns : now_ns;

    if (tat - now_ns > r->tolerance_ns)
        return tat - now_ns - r->tolerance_ns;
    r->tat_ns = tat + r->interval_ns;
    return 0;
}

uint32_t ratelimit_available(const struct ratelimit *r, uint64_t now_ns)
{
    uint64_t backlog = r->tat_ns > now_ns ? r->tat_ns - now_ns : 0;

    if (backlog > r->tolerance_ns)
        return 0;
    return (uint32_t)((r->tolerance_ns - backlog) / r->interval_ns + 1);
}

void ratelimit_take_n(struct ratelimit *r, uint64_t now_ns, uint32_t n)
{
    if (n)
        r->tat_ns = (r->tat_ns > now_ns ? r->tat_ns : now_ns) + n * r->interval_ns;
}
