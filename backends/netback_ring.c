/*
 * netback core: validation and accounting of one netif queue's TX and RX
 * rings on the backend side.  Learned from Linux xen-netback
 * (xenvif_count_requests, xenvif_get_extras, xenvif_rx_*), written anew:
 * every index, slot count, size, offset, extra and grant the frontend hands
 * over is checked, and any violation disconnects the queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sv/netback.h"

struct netback_queue {
    netif_tx_back_ring_t tx;
    netif_rx_back_ring_t rx;
    struct netback_ops ops;
    void *ctx;
    struct netif_features rxf; /* what the frontend takes on RX */
    bool rx_hash;
    const char *error; /* set once, by disconnect() */
};

struct netback_queue *netback_queue_new(netif_tx_sring_t *tx, netif_rx_sring_t *rx,
                                        const struct netback_ops *ops, void *ctx)
{
    struct netback_queue *q = calloc(1, sizeof(*q));

    if (!q)
        return NULL;
    BACK_RING_INIT(&q->tx, tx, NETIF_PAGE_SIZE);
    BACK_RING_INIT(&q->rx, rx, NETIF_PAGE_SIZE);
    q->ops = *ops;
    q->ctx = ctx;
    return q;
}

void netback_queue_free(struct netback_queue *q)
{
    free(q);
}

void netback_set_rx_features(struct netback_queue *q, const struct netif_features *f, bool hash)
{
    q->rxf = *f;
    q->rx_hash = hash;
}

const char *netback_error(const struct netback_queue *q)
{
    return q->error;
}

static int disconnect(struct netback_queue *q, const char *reason)
{
    if (!q->error) {
        q->error = reason;
        if (q->ops.disconnect)
            q->ops.disconnect(q->ctx, reason);
    }
    return -ENOTCONN;
}

/* The frontend's producer index, read once and checked. */
static int load_prod(struct netback_queue *q, RING_IDX *where, RING_IDX rsp_prod_pvt,
                     unsigned int size, RING_IDX *prod, const char *reason)
{
    *prod = __atomic_load_n(where, __ATOMIC_ACQUIRE);
    if (!netif_req_prod_ok(*prod, rsp_prod_pvt, size))
        return disconnect(q, reason);
    return 0;
}

static int tx_prod(struct netback_queue *q, RING_IDX *prod)
{
    return load_prod(q, &q->tx.sring->req_prod, q->tx.rsp_prod_pvt, RING_SIZE(&q->tx), prod,
                     "TX producer index more than a ring ahead");
}

/* Requests are copied out of shared memory once, so the frontend cannot
 * change a field between our check and our use of it. */
static void tx_read(const struct netback_queue *q, RING_IDX i, netif_tx_request_t *r)
{
    *r = *(volatile netif_tx_request_t *)RING_GET_REQUEST(&q->tx, i);
}

/* An extra-info slot is a request slot holding a netif_extra_info_t. */
static void tx_read_extra(const struct netback_queue *q, RING_IDX i, netif_extra_info_t *e)
{
    netif_tx_request_t raw;

    tx_read(q, i, &raw);
    memcpy(e, &raw, sizeof(*e));
}

/* 1 when requests wait; 0 when none, with req_event armed so the frontend's
 * next push notifies us (RING_FINAL_CHECK_FOR_REQUESTS). */
static int tx_pending(struct netback_queue *q, RING_IDX *prod)
{
    int rc = tx_prod(q, prod);

    if (rc < 0 || *prod != q->tx.req_cons)
        return rc < 0 ? rc : 1;
    q->tx.sring->req_event = q->tx.req_cons + 1;
    xen_mb();
    rc = tx_prod(q, prod);
    return rc < 0 ? rc : *prod != q->tx.req_cons;
}

/* The extra-info chain after the first slot: known types, each at most once,
 * terminated before the producer index. */
static int tx_extras(struct netback_queue *q, struct netback_packet *pkt, RING_IDX *cons,
                     RING_IDX prod)
{
    netif_extra_info_t e;

    do {
        if (*cons == prod)
            return disconnect(q, "TX extra-info chain not terminated");
        tx_read_extra(q, (*cons)++, &e);
        if (e.type == XEN_NETIF_EXTRA_TYPE_NONE || e.type >= XEN_NETIF_EXTRA_TYPE_MAX)
            return disconnect(q, "TX extra-info of unknown type");
        if (pkt->extra[e.type - 1].type)
            return disconnect(q, "TX extra-info type repeated");
        pkt->extra[e.type - 1] = e;
        pkt->nr_extras++;
    } while (e.flags & XEN_NETIF_EXTRA_FLAG_MORE);
    return 0;
}

static bool slot_in_page(uint16_t offset, uint32_t size)
{
    return (uint32_t)offset + size <= NETIF_PAGE_SIZE;
}

/* The data slots after the first: at most NETIF_MAX_SLOTS in all, each
 * within its page, adding up to no more than the first slot's size (which
 * is the whole frame's).  *rest returns what is left for the first slot. */
static int tx_slots(struct netback_queue *q, struct netback_packet *pkt, RING_IDX *cons,
                    RING_IDX prod, bool more, uint32_t *rest)
{
    netif_tx_request_t r;

    while (more) {
        if (*cons == prod)
            return disconnect(q, "TX packet continues past the producer index");
        if (pkt->nr_segs == NETIF_MAX_SLOTS)
            return disconnect(q, "TX packet uses too many slots");
        tx_read(q, (*cons)++, &r);
        if (r.size > *rest)
            return disconnect(q, "TX slots larger than the frame");
        if (!slot_in_page(r.offset, r.size))
            return disconnect(q, "TX slot crosses its page");
        *rest -= r.size;
        pkt->seg[pkt->nr_segs++] =
            (struct netback_seg){.gref = r.gref, .offset = r.offset, .len = r.size, .id = r.id};
        more = r.flags & NETTXF_more_data;
    }
    return 0;
}

static int tx_check_gso(struct netback_queue *q, const struct netback_packet *pkt)
{
    const netif_extra_info_t *gso = &pkt->extra[XEN_NETIF_EXTRA_TYPE_GSO - 1];

    if (!gso->type)
        return 0;
    if (gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 && gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6)
        return disconnect(q, "TX GSO extra of unknown GSO type");
    if (!gso->u.gso.size)
        return disconnect(q, "TX GSO extra with segment size 0");
    return 0;
}

static bool tx_is_mcast(const struct netback_packet *pkt)
{
    return pkt->extra[XEN_NETIF_EXTRA_TYPE_MCAST_ADD - 1].type ||
           pkt->extra[XEN_NETIF_EXTRA_TYPE_MCAST_DEL - 1].type;
}

/* One packet from req_cons: 1 taken, 0 answered with an error and skipped,
 * negative: disconnected. */
static int tx_take(struct netback_queue *q, struct netback_packet *pkt, RING_IDX prod)
{
    RING_IDX cons = q->tx.req_cons;
    netif_tx_request_t first;
    uint32_t rest;
    int rc;

    /* Only what is read before it is written (seg[] is written up to nr_segs):
     * clearing the whole packet was a sixth of this function's time. */
    pkt->nr_extras = 0;
    memset(pkt->extra, 0, sizeof(pkt->extra));
    tx_read(q, cons++, &first);
    if ((first.flags & NETTXF_extra_info) && (rc = tx_extras(q, pkt, &cons, prod)) < 0)
        return rc;
    pkt->nr_segs = 1;
    rest = first.size;
    rc = tx_slots(q, pkt, &cons, prod, first.flags & NETTXF_more_data, &rest);
    if (rc < 0)
        return rc;
    if (!slot_in_page(first.offset, rest))
        return disconnect(q, "TX slot crosses its page");
    pkt->seg[0] = (struct netback_seg){
        .gref = first.gref, .offset = first.offset, .len = (uint16_t)rest, .id = first.id};
    pkt->len = first.size;
    pkt->flags = first.flags & (NETTXF_csum_blank | NETTXF_data_validated);
    q->tx.req_cons = cons;
    if ((rc = tx_check_gso(q, pkt)) < 0)
        return rc;
    if (pkt->len < NETIF_MIN_FRAME && !tx_is_mcast(pkt)) {
        netback_tx_done(q, pkt, NETIF_RSP_ERROR);
        return 0;
    }
    return 1;
}

int netback_tx_next(struct netback_queue *q, struct netback_packet *pkt)
{
    RING_IDX prod;
    int rc;

    if (q->error)
        return -ENOTCONN;
    while ((rc = tx_pending(q, &prod)) > 0) {
        rc = tx_take(q, pkt, prod);
        if (rc != 0)
            return rc;
    }
    return rc;
}

int netback_tx_copy(struct netback_queue *q, const struct netback_packet *pkt, void *dst,
                    size_t cap)
{
    uint8_t *out = dst;

    if (q->error)
        return -ENOTCONN;
    if (pkt->len > cap)
        return -EMSGSIZE;
    for (unsigned int i = 0; i < pkt->nr_segs; i++) {
        const struct netback_seg *s = &pkt->seg[i];

        if (s->len && q->ops.copy_from_grant(q->ctx, s->gref, s->offset, out, s->len) < 0)
            return disconnect(q, "TX copy from a bad grant");
        out += s->len;
    }
    return (int)pkt->len;
}

void netback_tx_offload(const struct netback_packet *pkt, struct netif_offload *o)
{
    const netif_extra_info_t *gso = &pkt->extra[XEN_NETIF_EXTRA_TYPE_GSO - 1];

    *o = (struct netif_offload){
        .csum_blank = pkt->flags & NETTXF_csum_blank,
        .data_validated = pkt->flags & NETTXF_data_validated,
        .gso_type = gso->type ? gso->u.gso.type : XEN_NETIF_GSO_TYPE_NONE,
        .gso_size = gso->type ? gso->u.gso.size : 0,
    };
}

static void tx_response(struct netback_queue *q, uint16_t id, int16_t status)
{
    netif_tx_response_t *rsp = RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt);

    rsp->id = id;
    rsp->status = status;
    q->tx.rsp_prod_pvt++;
}

/* Slot order on the ring: first data slot, its extras, the other data slots;
 * responses follow the same order. */
void netback_tx_done(struct netback_queue *q, const struct netback_packet *pkt, int16_t status)
{
    if (q->error)
        return;
    tx_response(q, pkt->seg[0].id, status);
    for (unsigned int i = 0; i < pkt->nr_extras; i++)
        tx_response(q, 0, NETIF_RSP_NULL);
    for (unsigned int i = 1; i < pkt->nr_segs; i++)
        tx_response(q, pkt->seg[i].id, status);
}

void netback_tx_flush(struct netback_queue *q)
{
    int notify;

    if (q->error)
        return;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, notify);
    if (notify)
        q->ops.notify(q->ctx, NETBACK_EVENT_TX);
}

/* ---- RX ---- */

static int rx_prod(struct netback_queue *q, RING_IDX *prod)
{
    return load_prod(q, &q->rx.sring->req_prod, q->rx.rsp_prod_pvt, RING_SIZE(&q->rx), prod,
                     "RX producer index more than a ring ahead");
}

/* 0 when need posted buffers wait; else -EAGAIN with req_event set so the
 * frontend notifies once it has posted enough (feature-rx-notify). */
static int rx_reserve(struct netback_queue *q, unsigned int need)
{
    RING_IDX prod;
    int rc = rx_prod(q, &prod);

    if (rc < 0 || prod - q->rx.req_cons >= need)
        return rc;
    q->rx.sring->req_event = q->rx.req_cons + need;
    xen_mb();
    if ((rc = rx_prod(q, &prod)) < 0)
        return rc;
    return prod - q->rx.req_cons >= need ? 0 : -EAGAIN;
}

static netif_rx_request_t rx_take_request(struct netback_queue *q)
{
    netif_rx_request_t r = *(volatile netif_rx_request_t *)RING_GET_REQUEST(&q->rx, q->rx.req_cons);

    q->rx.req_cons++;
    return r;
}

static int rx_data_slot(struct netback_queue *q, const uint8_t *src, uint16_t len, uint16_t flags)
{
    netif_rx_request_t req = rx_take_request(q);
    netif_rx_response_t *rsp;

    if (q->ops.copy_to_grant(q->ctx, req.gref, 0, src, len) < 0)
        return disconnect(q, "RX copy to a bad grant");
    rsp = RING_GET_RESPONSE(&q->rx, q->rx.rsp_prod_pvt++);
    *rsp = (netif_rx_response_t){.id = req.id, .offset = 0, .flags = flags, .status = (int16_t)len};
    return 0;
}

/* An extra consumes a posted buffer's slot; the response slot carries it. */
static void rx_extra_slot(struct netback_queue *q, const netif_extra_info_t *e, bool more)
{
    netif_extra_info_t x = *e;

    (void)rx_take_request(q);
    x.flags = more ? XEN_NETIF_EXTRA_FLAG_MORE : 0;
    memcpy(RING_GET_RESPONSE(&q->rx, q->rx.rsp_prod_pvt++), &x, sizeof(x));
}

struct rx_plan {
    unsigned int nr_data;
    unsigned int nr_extras;
    netif_extra_info_t extra[2]; /* GSO, hash */
    uint16_t first_flags;
};

static int rx_plan(const struct netback_queue *q, const uint8_t *frame, size_t len,
                   const struct netif_offload *o, const netif_extra_info_t *hash, struct rx_plan *p)
{
    int rc = netif_offload_allowed(&q->rxf, o, frame, len);

    if (rc < 0)
        return rc;
    *p = (struct rx_plan){.nr_data = (unsigned int)((len + NETIF_PAGE_SIZE - 1) / NETIF_PAGE_SIZE)};
    if (o->csum_blank)
        p->first_flags |= NETRXF_csum_blank | NETRXF_data_validated;
    else if (o->data_validated)
        p->first_flags |= NETRXF_data_validated;
    if (o->gso_type != XEN_NETIF_GSO_TYPE_NONE)
        p->extra[p->nr_extras++] = (netif_extra_info_t){
            .type = XEN_NETIF_EXTRA_TYPE_GSO, .u.gso = {.size = o->gso_size, .type = o->gso_type}};
    if (hash && hash->type == XEN_NETIF_EXTRA_TYPE_HASH && q->rx_hash)
        p->extra[p->nr_extras++] = *hash;
    if (p->nr_extras)
        p->first_flags |= NETRXF_extra_info;
    return 0;
}

int netback_rx_put(struct netback_queue *q, const void *frame, size_t len,
                   const struct netif_offload *o, const netif_extra_info_t *hash)
{
    static const struct netif_offload none;
    const uint8_t *src = frame;
    struct rx_plan p;
    int rc;

    if (q->error)
        return -ENOTCONN;
    if ((rc = rx_plan(q, frame, len, o ? o : &none, hash, &p)) < 0)
        return rc;
    if ((rc = rx_reserve(q, p.nr_data + p.nr_extras)) < 0)
        return rc;
    for (unsigned int i = 0; i < p.nr_data; i++) {
        uint16_t n = (uint16_t)(len < NETIF_PAGE_SIZE ? len : NETIF_PAGE_SIZE);
        uint16_t flags = (i == 0 ? p.first_flags : 0) | (len > n ? NETRXF_more_data : 0);

        if ((rc = rx_data_slot(q, src, n, flags)) < 0)
            return rc;
        for (unsigned int e = 0; i == 0 && e < p.nr_extras; e++)
            rx_extra_slot(q, &p.extra[e], e + 1 < p.nr_extras);
        src += n;
        len -= n;
    }
    return 0;
}

void netback_rx_flush(struct netback_queue *q)
{
    int notify;

    if (q->error)
        return;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, notify);
    if (notify)
        q->ops.notify(q->ctx, NETBACK_EVENT_RX);
}

RING_IDX netback_rx_posted(const struct netback_queue *q)
{
    return __atomic_load_n(&q->rx.sring->req_prod, __ATOMIC_ACQUIRE);
}

/* ---- peeking ahead ---- */

/* Where a peek starts: from, unless it is not within [cons, prod]. */
static RING_IDX peek_start(RING_IDX from, RING_IDX cons, RING_IDX prod)
{
    return from - cons <= prod - cons ? from : cons;
}

/* The requests of the packet at *i: its slots into out[*n..] (within max),
 * *i past it; false when it is not all before prod or does not fit. */
static bool tx_peek_packet(const struct netback_queue *q, RING_IDX *i, RING_IDX prod,
                           struct netback_peek *out, unsigned *n, unsigned max)
{
    RING_IDX j = *i;
    unsigned k = *n;
    netif_tx_request_t r;
    netif_extra_info_t e = {.flags = XEN_NETIF_EXTRA_FLAG_MORE};
    uint32_t len;
    bool more;

    tx_read(q, j++, &r);
    len = r.size;
    more = r.flags & NETTXF_more_data;
    if (k == max)
        return false;
    out[k++] = (struct netback_peek){r.gref, len};
    if (r.flags & NETTXF_extra_info)
        while (e.flags & XEN_NETIF_EXTRA_FLAG_MORE) {
            if (j == prod)
                return false;
            tx_read_extra(q, j++, &e);
        }
    while (more) {
        if (j == prod || k == max)
            return false;
        tx_read(q, j++, &r);
        out[k++] = (struct netback_peek){r.gref, len};
        more = r.flags & NETTXF_more_data;
    }
    *i = j;
    *n = k;
    return true;
}

unsigned netback_tx_peek(const struct netback_queue *q, RING_IDX *from, struct netback_peek *out,
                         unsigned max)
{
    RING_IDX prod = __atomic_load_n(&q->tx.sring->req_prod, __ATOMIC_ACQUIRE);
    RING_IDX cons = q->tx.req_cons, i;
    unsigned n = 0;

    if (q->error || prod - cons > RING_SIZE(&q->tx))
        return 0; /* netback_tx_next() says what is wrong */
    i = peek_start(*from, cons, prod);
    while (i != prod && tx_peek_packet(q, &i, prod, out, &n, max))
        ;
    *from = i;
    return n;
}

unsigned netback_rx_peek(const struct netback_queue *q, RING_IDX *from, grant_ref_t *refs,
                         unsigned max)
{
    RING_IDX prod = __atomic_load_n(&q->rx.sring->req_prod, __ATOMIC_ACQUIRE);
    RING_IDX cons = q->rx.req_cons, i;
    unsigned n = 0;

    if (q->error || prod - cons > RING_SIZE(&q->rx))
        return 0;
    for (i = peek_start(*from, cons, prod); i != prod && n < max; i++)
        refs[n++] = ((volatile netif_rx_request_t *)RING_GET_REQUEST(&q->rx, i))->gref;
    *from = i;
    return n;
}
