/*
 * Deficit round robin over TX queues (Shreedhar & Varghese): each turn a
 * queue is credited quantum * weight bytes and sends while its next packet
 * fits the credit; an idle queue loses its credit so it cannot hoard.
 */
#include "xnic_sched.h"

void xnic_sched_init(struct xnic_sched *s, unsigned n, uint32_t quantum)
{
    s->n = n > XNIC_SCHED_MAX ? XNIC_SCHED_MAX : n;
    s->cur = 0;
    s->fresh = true;
    s->quantum = quantum ? quantum : 1;
    for (unsigned i = 0; i < XNIC_SCHED_MAX; i++) {
        s->weight[i] = 1;
        s->deficit[i] = 0;
    }
}

void xnic_sched_set_weight(struct xnic_sched *s, unsigned i, uint32_t weight)
{
    if (i >= s->n)
        return;
    if (weight == 0)
        weight = 1;
    s->weight[i] = weight > XNIC_SCHED_MAX_WEIGHT ? XNIC_SCHED_MAX_WEIGHT : weight;
}

void xnic_sched_reset(struct xnic_sched *s, unsigned i)
{
    if (i < s->n)
        s->deficit[i] = 0;
}

static void advance(struct xnic_sched *s)
{
    s->cur = (s->cur + 1) % s->n;
    s->fresh = true;
}

unsigned xnic_sched_run(struct xnic_sched *s, xnic_sched_peek_fn *peek, xnic_sched_xmit_fn *xmit,
                        void *arg, unsigned budget)
{
    unsigned sent = 0, idle = 0;

    while (s->n && sent < budget && idle < s->n) {
        unsigned i = s->cur;
        uint32_t len = peek(arg, i);

        if (!len) {
            s->deficit[i] = 0;
            advance(s);
            idle++;
            continue;
        }
        idle = 0;
        if (s->fresh) {
            s->deficit[i] += (int64_t)s->quantum * s->weight[i];
            s->fresh = false;
        }
        if (s->deficit[i] < len) {
            advance(s);
            continue;
        }
        xmit(arg, i);
        s->deficit[i] -= len;
        sent++;
    }
    return sent;
}
