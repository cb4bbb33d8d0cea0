/*
 * xnic TX scheduler: deficit round robin in bytes over the vports' TX queues,
 * with per-vport weights, so that a flooding queue cannot starve another.
 * Pure logic: the caller supplies "length of the next packet" and "send it".
 */
#ifndef XNIC_SCHED_H
#define XNIC_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "xnic_filter.h"

/* Queues the scheduler serves: every PF queue pair and one per VF. */
#define XNIC_SCHED_MAX        (XNIC_MAX_QUEUES + XNIC_MAX_VFS)
#define XNIC_SCHED_MAX_WEIGHT 64u

/* Length in bytes of queue i's next packet, 0 when it has none ready. */
typedef uint32_t xnic_sched_peek_fn(void *arg, unsigned i);
/* Consumes queue i's next packet (sent or completed with an error). */
typedef void xnic_sched_xmit_fn(void *arg, unsigned i);

struct xnic_sched {
    unsigned n;
    unsigned cur;
    bool fresh;       /* cur has not been credited its quantum yet this turn */
    uint32_t quantum; /* bytes credited per turn per unit of weight */
    uint32_t weight[XNIC_SCHED_MAX];
    int64_t deficit[XNIC_SCHED_MAX];
};

/* n queues (<= XNIC_SCHED_MAX), all of weight 1. */
void xnic_sched_init(struct xnic_sched *s, unsigned n, uint32_t quantum);
/* Weight 1..64; 0 is taken as 1. */
void xnic_sched_set_weight(struct xnic_sched *s, unsigned i, uint32_t weight);
/* Forgets queue i's credit (queue disabled or reset). */
void xnic_sched_reset(struct xnic_sched *s, unsigned i);
/* Sends up to budget packets; returns how many.  Fewer than budget means every
 * queue ran dry. */
unsigned xnic_sched_run(struct xnic_sched *s, xnic_sched_peek_fn *peek, xnic_sched_xmit_fn *xmit,
                        void *arg, unsigned budget);

#endif
