/*
 * A token bucket (as GCRA: one timestamp, no refill loop) for what a
 * less-trusted peer can make a backend do at its own pace: netdd's
 * handling of a frontend's xenstore changes (reconnects) and the
 * broadcasts a vif sends.  The caller passes the time, so the logic is
 * testable and costs no clock read of its own.
 */
#ifndef SV_RATELIMIT_H
#define SV_RATELIMIT_H

#include <stdint.h>

struct ratelimit {
    uint64_t interval_ns;  /* one token every this long */
    uint64_t tolerance_ns; /* (burst - 1) intervals: what may be taken at once */
    uint64_t tat_ns;       /* when the bucket is full again ("theoretical arrival time") */
};

/* CLOCK_MONOTONIC in ns: the clock to pass below. */
uint64_t ratelimit_now_ns(void);
/* per_second tokens a second (>= 1), at most burst (>= 1) at once; full. */
void ratelimit_init(struct ratelimit *r, uint32_t per_second, uint32_t burst);
/* Takes a token at now_ns (a monotonic clock): 0 when there was one, else
 * how many ns until there is (nothing taken). */
uint64_t ratelimit_take(struct ratelimit *r, uint64_t now_ns);
/* Tokens there are at now_ns (up to the burst), taken by nothing. */
uint32_t ratelimit_available(const struct ratelimit *r, uint64_t now_ns);
/* Takes n tokens at now_ns, n at most what ratelimit_available() said. */
void ratelimit_take_n(struct ratelimit *r, uint64_t now_ns, uint32_t n);

#endif
