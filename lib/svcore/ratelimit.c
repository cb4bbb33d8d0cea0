/* Token bucket as GCRA, and Xen netback's credit scheme (see ratelimit.h). */
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
    if (!r->interval_ns) /* over 10^9 a second: one a nanosecond, as good as unlimited */
        r->interval_ns = 1;
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

struct timeval ratelimit_timeval(uint64_t wait_ns)
{
    uint64_t us = (wait_ns + 999) / 1000;

    return (struct timeval){.tv_sec = (time_t)(us / 1000000),
                            .tv_usec = (suseconds_t)(us % 1000000)};
}

void ratelimit_credit_init(struct ratelimit_credit *c, uint64_t bytes, uint64_t window_ns)
{
    c->bytes = bytes;
    c->window_ns = window_ns ? window_ns : 1;
    c->burst = bytes > RATELIMIT_CREDIT_MIN_BURST ? bytes : RATELIMIT_CREDIT_MIN_BURST;
    c->fill_idle = false;
    c->remaining = 0;
    c->window_start_ns = 0;
}

void ratelimit_credit_set_burst(struct ratelimit_credit *c, uint64_t burst)
{
    uint64_t floor = c->bytes > RATELIMIT_CREDIT_MIN_BURST ? c->bytes : RATELIMIT_CREDIT_MIN_BURST;

    c->burst = burst > floor ? burst : floor;
    c->fill_idle = true;
}

uint64_t ratelimit_credit_take(struct ratelimit_credit *c, uint64_t now_ns, uint64_t len)
{
    uint64_t next = c->window_start_ns + c->window_ns;

    if (!c->bytes)
        return 0;
    if (now_ns >= next) {
        /* Windows that passed: one when busy (back to back) or, as in Xen,
         * when idle for longer; with a burst set, every window missed (a
         * token bucket's depth is what an idle vif may then take at once). */
        uint64_t windows = (now_ns - c->window_start_ns) / c->window_ns;
        uint64_t most = c->burst / c->bytes + 1;
        uint64_t gain = c->bytes * (!c->fill_idle ? 1 : windows < most ? windows : most);

        c->window_start_ns = now_ns - next < c->window_ns ? next : now_ns;
        c->remaining = c->remaining + gain < c->burst ? c->remaining + gain : c->burst;
        next = c->window_start_ns + c->window_ns;
    }
    if (len > c->remaining)
        return next - now_ns;
    c->remaining -= len;
    return 0;
}
