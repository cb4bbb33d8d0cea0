/*
 * A token bucket (as GCRA: one timestamp, no refill loop) for what a
 * less-trusted peer can make a more trusted process do at its own pace:
 * netdd's handling of a frontend's xenstore changes (reconnects) and the
 * broadcasts a vif sends, xenstored's serving of a domain's requests.  The caller passes the time,
 * so the logic is testable and costs no clock read of its own.
 */
#ifndef SV_RATELIMIT_H
#define SV_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

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
/* A wait (ns) as a timer's timeout, rounded up to the microsecond: the
 * timer finds the token there. */
struct timeval ratelimit_timeval(uint64_t wait_ns);

/*
 * Xen netback's credit scheme for what a guest sends (its vif's "rate"
 * key: bytes per window), and what it receives ("rx-rate"): each window of
 * window_ns adds bytes of credit, what is unused carries over up to the
 * burst, by default max(bytes, 128 KiB) so that a 64 KiB GSO packet
 * always fits eventually; a packet goes when the credit covers it.
 * Windows follow each other without drift while the vif is busy; a vif
 * idle for longer gains one window's credit, not one per window.
 */
#define RATELIMIT_CREDIT_MIN_BURST (128u * 1024)

struct ratelimit_credit {
    uint64_t bytes; /* credit per window; 0: unlimited */
    uint64_t window_ns;
    uint64_t burst;           /* the most credit kept */
    bool fill_idle;           /* idle windows add credit too (a burst was set) */
    uint64_t remaining;       /* credit left */
    uint64_t window_start_ns; /* the current window's start */
};

/* bytes every window_ns (both > 0), or unlimited when bytes is 0. */
void ratelimit_credit_init(struct ratelimit_credit *c, uint64_t bytes, uint64_t window_ns);
/* Keeps at most burst bytes of unused credit instead of the default (never
 * less than one window's nor than RATELIMIT_CREDIT_MIN_BURST: a GSO frame,
 * up to 64 KiB and its headers, must fit), and lets an idle vif gather it:
 * a token bucket of that depth. */
void ratelimit_credit_set_burst(struct ratelimit_credit *c, uint64_t burst);
/* Takes len bytes of credit at now_ns: 0 when they were there, else how
 * many ns until the next window adds more (nothing taken). */
uint64_t ratelimit_credit_take(struct ratelimit_credit *c, uint64_t now_ns, uint64_t len);

#endif
