/*
 * netfront core: TX requests and RX buffer posting on the front rings, with
 * buffer pages whose grant refs are recycled.  Learned from Linux
 * xen-netfront (xennet_start_xmit, xennet_get_responses) and Mini-OS,
 * written anew.  The backend's responses are checked before use.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sv/netfront.h"
#include "sv/netif_offload.h"

#define RING_MAX    256u
#define LENT_QUEUED 0xffffu

struct pool {
    uint8_t *pages;
    const grant_ref_t *refs;
    unsigned int nr;
    unsigned int nfree;
    uint16_t free[RING_MAX]; /* stack of free buffer indices */
    bool busy[RING_MAX];     /* in flight (posted / sent) */
};

struct netfront {
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    struct pool txp, rxp;
    bool tx_first[RING_MAX];   /* TX buffer i starts a packet */
    uint16_t rx_buf[RING_MAX]; /* RX ring slot -> buffer posted there */
    struct netfront_config cfg;
    struct netfront_stats stats;
    bool broken;
    bool polled;                /* the caller polls: rsp_event is never armed */
    unsigned int tx_wake_after; /* TX responses per notification wanted (1) */
    /* TX pages lent by netfront_tx_borrow(), NETFRONT_TX_PAGES a frame;
     * LENT_QUEUED once a frame took it. */
    uint16_t lent[NETFRONT_TX_BATCH * NETFRONT_TX_PAGES];
    unsigned int nlent;     /* frames */
    unsigned int next_lent; /* the lowest frame not queued or passed over */
};

static int pool_init(struct pool *p, const struct netfront_pool *cfg)
{
    if (!cfg->pages || !cfg->refs || cfg->nr == 0 || cfg->nr > RING_MAX)
        return -EINVAL;
    p->pages = cfg->pages;
    p->refs = cfg->refs;
    p->nr = cfg->nr;
    for (unsigned int i = 0; i < cfg->nr; i++)
        p->free[p->nfree++] = (uint16_t)(cfg->nr - 1 - i);
    return 0;
}

static uint16_t pool_get(struct pool *p)
{
    uint16_t i = p->free[--p->nfree];

    p->busy[i] = true;
    return i;
}

static void pool_put(struct pool *p, uint16_t i)
{
    p->busy[i] = false;
    p->free[p->nfree++] = i;
}

static uint8_t *pool_page(const struct pool *p, uint16_t i)
{
    return p->pages + (size_t)i * NETIF_PAGE_SIZE;
}

struct netfront *netfront_new(const struct netfront_config *cfg)
{
    struct netfront *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    if (pool_init(&f->txp, &cfg->tx) < 0 || pool_init(&f->rxp, &cfg->rx) < 0) {
        free(f);
        errno = EINVAL;
        return NULL;
    }
    SHARED_RING_INIT(cfg->tx_sring);
    SHARED_RING_INIT(cfg->rx_sring);
    FRONT_RING_INIT(&f->tx, cfg->tx_sring, NETIF_PAGE_SIZE);
    FRONT_RING_INIT(&f->rx, cfg->rx_sring, NETIF_PAGE_SIZE);
    f->cfg = *cfg;
    return f;
}

void netfront_free(struct netfront *f)
{
    free(f);
}

void netfront_set_polled(struct netfront *f, bool polled)
{
    f->polled = polled;
}

void netfront_set_tx_wake_after(struct netfront *f, unsigned int n)
{
    f->tx_wake_after = n;
}

/* RING_FINAL_CHECK_FOR_RESPONSES, asking to be told at the tx_wake_after-th
 * response to come, or at the last one in flight if fewer are: the backend
 * answers every request, so that one always comes.  With none in flight, at
 * the next one (what we publish later may be fewer than tx_wake_after).
 * Whether some wait. */
static RING_IDX tx_wake_count(RING_IDX in_flight, unsigned int wake_after)
{
    RING_IDX k = wake_after > 1 ? wake_after : 1;

    return in_flight < k ? (in_flight ? in_flight : 1) : k;
}

static bool tx_arm(struct netfront *f)
{
    RING_IDX in_flight = f->tx.sring->req_prod - f->tx.rsp_cons;

    f->tx.sring->rsp_event = f->tx.rsp_cons + tx_wake_count(in_flight, f->tx_wake_after);
    xen_mb();
    return RING_HAS_UNCONSUMED_RESPONSES(&f->tx);
}

bool netfront_tx_wake_due(const struct netfront *f)
{
    /* Our own count of what is in flight: the shared req_prod is the
     * backend's to overwrite.  Its rsp_prod only steers when we reap, and
     * netfront_tx_reap() checks it. */
    RING_IDX in_flight = f->tx.req_prod_pvt - f->tx.rsp_cons;
    RING_IDX ready = __atomic_load_n(&f->tx.sring->rsp_prod, __ATOMIC_ACQUIRE) - f->tx.rsp_cons;

    return !in_flight || ready >= tx_wake_count(in_flight, f->tx_wake_after);
}

void netfront_get_stats(const struct netfront *f, struct netfront_stats *s)
{
    *s = f->stats;
}

static int broken(struct netfront *f)
{
    f->broken = true;
    return -EPROTO;
}

/* The backend's response producer, read once; it may not run past the
 * requests we published (posted is our own sring->req_prod). */
static int load_rsp_prod(struct netfront *f, RING_IDX *where, RING_IDX cons, RING_IDX posted,
                         RING_IDX *prod)
{
    *prod = __atomic_load_n(where, __ATOMIC_ACQUIRE);
    if (*prod - cons > posted - cons)
        return broken(f);
    return 0;
}

/* ---- TX ---- */

static bool tx_room(const struct netfront *f, unsigned int nr_data, unsigned int nr_slots)
{
    return f->txp.nfree >= nr_data && RING_FREE_REQUESTS(&f->tx) >= nr_slots;
}

static int tx_check(const struct netfront *f, const struct virtio_net_hdr *vh, const uint8_t *frame,
                    size_t len, struct netif_offload *o)
{
    int rc;

    *o = (struct netif_offload){0};
    if (vh && (rc = netif_offload_from_vnet(vh, o)) < 0)
        return rc == -EINVAL ? -EOPNOTSUPP : rc;
    return netif_offload_allowed(&f->cfg.peer, o, frame, len);
}

static void tx_gso_slot(struct netfront *f, const struct netif_offload *o)
{
    netif_extra_info_t e = {.type = XEN_NETIF_EXTRA_TYPE_GSO,
                            .u.gso = {.size = o->gso_size, .type = o->gso_type}};

    memcpy(RING_GET_REQUEST(&f->tx, f->tx.req_prod_pvt++), &e, sizeof(e));
}

static uint16_t tx_first_flags(const struct netif_offload *o)
{
    uint16_t flags = 0;

    if (o->csum_blank)
        flags |= NETTXF_csum_blank;
    if (o->data_validated)
        flags |= NETTXF_data_validated;
    if (o->gso_type != XEN_NETIF_GSO_TYPE_NONE)
        flags |= NETTXF_extra_info;
    return flags;
}

/* The frame's data slots on the pool pages holding it (nr of them, filled in
 * order), with the GSO extra after the first.  The first slot's size is the
 * whole frame's (netif.h), the others' their own. */
static void tx_queue_pages(struct netfront *f, const uint16_t *pages, unsigned int nr, size_t len,
                           const struct netif_offload *o)
{
    size_t left = len;

    for (unsigned int i = 0; i < nr; i++) {
        uint16_t n = (uint16_t)(left < NETIF_PAGE_SIZE ? left : NETIF_PAGE_SIZE);
        uint16_t flags = (i == 0 ? tx_first_flags(o) : 0) | (left > n ? NETTXF_more_data : 0);
        netif_tx_request_t *r = RING_GET_REQUEST(&f->tx, f->tx.req_prod_pvt++);

        f->tx_first[pages[i]] = i == 0;
        *r = (netif_tx_request_t){.gref = f->txp.refs[pages[i]],
                                  .offset = 0,
                                  .flags = flags,
                                  .id = pages[i],
                                  .size = i == 0 ? (uint16_t)len : n};
        if (i == 0 && o->gso_type != XEN_NETIF_GSO_TYPE_NONE)
            tx_gso_slot(f, o);
        left -= n;
    }
}

/* Room for nr_data pages and nr_slots requests, reaping once if there is none. */
static int tx_make_room(struct netfront *f, unsigned int nr_data, unsigned int nr_slots)
{
    int rc;

    if (tx_room(f, nr_data, nr_slots))
        return 0;
    if ((rc = netfront_tx_reap(f)) < 0)
        return rc;
    return tx_room(f, nr_data, nr_slots) ? 0 : -EAGAIN;
}

int netfront_tx_send(struct netfront *f, const struct virtio_net_hdr *vh, const void *frame,
                     size_t len)
{
    unsigned int nr_data = (unsigned int)((len + NETIF_PAGE_SIZE - 1) / NETIF_PAGE_SIZE);
    uint16_t pages[NETFRONT_TX_PAGES];
    struct netif_offload o;
    const uint8_t *src = frame;
    int rc;

    if (f->broken)
        return -EPROTO;
    if ((rc = tx_check(f, vh, frame, len, &o)) < 0)
        return rc;
    if ((rc = tx_make_room(f, nr_data, nr_data + (o.gso_type != 0))) < 0)
        return rc;
    for (unsigned int i = 0; i < nr_data; i++, src += NETIF_PAGE_SIZE) {
        pages[i] = pool_get(&f->txp);
        memcpy(pool_page(&f->txp, pages[i]), src,
               i + 1 < nr_data ? NETIF_PAGE_SIZE : len - (size_t)i * NETIF_PAGE_SIZE);
    }
    tx_queue_pages(f, pages, nr_data, len, &o);
    return 0;
}

_Static_assert(NETFRONT_TX_PAGES *NETIF_PAGE_SIZE >= XEN_NETIF_MAX_TX_SIZE,
               "lent pages hold the largest frame");
_Static_assert(NETFRONT_TX_BATCH *(NETFRONT_TX_PAGES + 1) <= RING_MAX,
               "a ring holds a batch of the largest frames");

/* Frames of the largest size the pool and the ring have room for. */
static unsigned int tx_frames_room(const struct netfront *f, unsigned int max)
{
    unsigned int by_pages = f->txp.nfree / NETFRONT_TX_PAGES;
    unsigned int by_slots = RING_FREE_REQUESTS(&f->tx) / (NETFRONT_TX_PAGES + 1);
    unsigned int n = by_pages < by_slots ? by_pages : by_slots;

    return n < max ? n : max;
}

int netfront_tx_borrow(struct netfront *f, struct iovec *iov, unsigned int max)
{
    unsigned int n;
    int rc;

    if (f->broken)
        return -EPROTO;
    if (f->nlent)
        return -EBUSY;
    if (max == 0)
        return -EINVAL;
    if (max > NETFRONT_TX_BATCH)
        max = NETFRONT_TX_BATCH;
    if (tx_frames_room(f, max) < max && (rc = netfront_tx_reap(f)) < 0)
        return rc;
    n = tx_frames_room(f, max);
    if (n == 0)
        return -EAGAIN;
    for (unsigned int i = 0; i < n * NETFRONT_TX_PAGES; i++) {
        f->lent[i] = pool_get(&f->txp);
        iov[i] = (struct iovec){pool_page(&f->txp, f->lent[i]), NETIF_PAGE_SIZE};
    }
    f->nlent = n;
    f->next_lent = 0;
    return (int)n;
}

void netfront_tx_unborrow(struct netfront *f)
{
    /* Last taken, first back, so that the pool hands out the same pages
     * next time. */
    for (unsigned int i = f->nlent * NETFRONT_TX_PAGES; i-- > 0;)
        if (f->lent[i] != LENT_QUEUED)
            pool_put(&f->txp, f->lent[i]);
    f->nlent = 0;
}

int netfront_tx_send_borrowed(struct netfront *f, unsigned int j, const struct virtio_net_hdr *vh,
                              size_t len)
{
    unsigned int nr_data = (unsigned int)((len + NETIF_PAGE_SIZE - 1) / NETIF_PAGE_SIZE);
    uint16_t *pages = f->lent + (size_t)j * NETFRONT_TX_PAGES;
    struct netif_offload o;
    int rc;

    if (j >= f->nlent || j < f->next_lent)
        return -EINVAL;
    f->next_lent = j + 1;
    if (f->broken)
        return -EPROTO;
    /* The headers tx_check() reads are in the first page. */
    rc = nr_data > NETFRONT_TX_PAGES ? -EMSGSIZE
                                     : tx_check(f, vh, pool_page(&f->txp, pages[0]), len, &o);
    if (rc < 0)
        return rc;
    /* The ring has room: borrowing made it for the largest frames. */
    tx_queue_pages(f, pages, nr_data, len, &o);
    for (unsigned int i = 0; i < nr_data; i++)
        pages[i] = LENT_QUEUED;
    return 0;
}

void netfront_tx_flush(struct netfront *f)
{
    int notify;

    if (f->broken)
        return;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->tx, notify);
    if (notify)
        f->cfg.notify(f->cfg.ctx, NETFRONT_EVENT_TX);
}

/* One TX response: 1 when it completed a packet, 0 otherwise, -EPROTO. */
static int tx_complete(struct netfront *f, const netif_tx_response_t *rsp)
{
    if (rsp->status == NETIF_RSP_NULL)
        return 0;
    if (rsp->id >= f->txp.nr || !f->txp.busy[rsp->id])
        return broken(f);
    pool_put(&f->txp, rsp->id);
    if (!f->tx_first[rsp->id])
        return 0;
    f->stats.tx_packets++;
    if (rsp->status != NETIF_RSP_OKAY)
        f->stats.tx_errors++;
    return 1;
}

int netfront_tx_reap(struct netfront *f)
{
    RING_IDX prod;
    int done = 0, rc, more;

    if (f->broken)
        return -EPROTO;
    do {
        if (load_rsp_prod(f, &f->tx.sring->rsp_prod, f->tx.rsp_cons, f->tx.sring->req_prod, &prod) <
            0)
            return -EPROTO;
        for (; f->tx.rsp_cons != prod; f->tx.rsp_cons++) {
            netif_tx_response_t rsp =
                *(volatile netif_tx_response_t *)RING_GET_RESPONSE(&f->tx, f->tx.rsp_cons);

            if ((rc = tx_complete(f, &rsp)) < 0)
                return rc;
            done += rc;
        }
        if (f->polled)
            break;
        more = tx_arm(f);
    } while (more);
    return done;
}

/* ---- RX ---- */

int netfront_rx_refill(struct netfront *f)
{
    int posted = 0, notify;

    if (f->broken)
        return -EPROTO;
    while (f->rxp.nfree && RING_FREE_REQUESTS(&f->rx)) {
        RING_IDX i = f->rx.req_prod_pvt++;
        uint16_t slot = (uint16_t)(i & (RING_SIZE(&f->rx) - 1));
        uint16_t b = pool_get(&f->rxp);
        netif_rx_request_t *r = RING_GET_REQUEST(&f->rx, i);

        f->rx_buf[slot] = b;
        *r = (netif_rx_request_t){.id = slot, .gref = f->rxp.refs[b]};
        posted++;
    }
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->rx, notify);
    if (notify)
        f->cfg.notify(f->cfg.ctx, NETFRONT_EVENT_RX);
    return posted;
}

/* A received frame's slots on the ring, found before anything is consumed. */
struct rx_frame {
    RING_IDX end;           /* one past its last response */
    int16_t status;         /* negative: the backend reported an error */
    uint16_t flags;         /* first response's NETRXF_* */
    netif_extra_info_t gso; /* .type 0: none */
    bool hashed;            /* a XEN_NETIF_EXTRA_TYPE_HASH extra came with it */
    size_t len;
    unsigned int nr_segs;
    struct {
        RING_IDX idx; /* ring index of the response (finds the buffer) */
        uint16_t offset, len;
    } seg[NETIF_MAX_SLOTS]; /* data slots, checked, read from the ring once */
};

static netif_rx_response_t rx_read(const struct netfront *f, RING_IDX i)
{
    return *(volatile netif_rx_response_t *)RING_GET_RESPONSE(&f->rx, i);
}

/* The extras after the first response; GSO is kept, the hash only counted
 * (a virtio header has no field for it).  1 when complete, 0 when the backend has
 * not pushed them all yet. */
static int rx_extras(struct netfront *f, RING_IDX *i, RING_IDX prod, struct rx_frame *fr)
{
    netif_extra_info_t e;

    do {
        if (*i == prod)
            return 0;
        netif_rx_response_t raw = rx_read(f, (*i)++);

        memcpy(&e, &raw, sizeof(e));
        if (e.type == XEN_NETIF_EXTRA_TYPE_NONE || e.type >= XEN_NETIF_EXTRA_TYPE_MAX)
            return broken(f);
        if (e.type == XEN_NETIF_EXTRA_TYPE_GSO)
            fr->gso = e;
        fr->hashed |= e.type == XEN_NETIF_EXTRA_TYPE_HASH;
    } while (e.flags & XEN_NETIF_EXTRA_FLAG_MORE);
    return 1;
}

static int rx_check_data(struct netfront *f, RING_IDX i, const netif_rx_response_t *r,
                         struct rx_frame *fr)
{
    if (r->id != (i & (RING_SIZE(&f->rx) - 1)))
        return broken(f);
    if (r->status < 0) {
        fr->status = r->status;
        return 0;
    }
    if ((uint32_t)r->offset + (uint32_t)r->status > NETIF_PAGE_SIZE)
        return broken(f);
    fr->seg[fr->nr_segs].idx = i;
    fr->seg[fr->nr_segs].offset = r->offset;
    fr->seg[fr->nr_segs++].len = (uint16_t)r->status;
    fr->len += (size_t)r->status;
    return 0;
}

/* 1 with *fr describing a complete frame, 0 when none is complete yet. */
static int rx_scan(struct netfront *f, RING_IDX prod, struct rx_frame *fr)
{
    RING_IDX i = f->rx.rsp_cons;
    netif_rx_response_t r;
    unsigned int slots = 0;
    int rc;

    *fr = (struct rx_frame){0};
    do {
        if (i == prod)
            return 0;
        if (++slots > NETIF_MAX_SLOTS)
            return broken(f);
        r = rx_read(f, i);
        if ((rc = rx_check_data(f, i++, &r, fr)) < 0)
            return rc;
        if (slots == 1) {
            fr->flags = r.flags;
            if ((r.flags & NETRXF_extra_info) && (rc = rx_extras(f, &i, prod, fr)) <= 0)
                return rc;
        }
    } while (r.flags & NETRXF_more_data);
    fr->end = i;
    return 1;
}

static uint16_t rx_buf_at(const struct netfront *f, RING_IDX i)
{
    return f->rx_buf[i & (RING_SIZE(&f->rx) - 1)];
}

static const uint8_t *rx_seg_data(const struct netfront *f, const struct rx_frame *fr,
                                  unsigned int i)
{
    return pool_page(&f->rxp, rx_buf_at(f, fr->seg[i].idx)) + fr->seg[i].offset;
}

/* The frame's data slots, in order, into out. */
static void rx_copy_out(const struct netfront *f, const struct rx_frame *fr, uint8_t *out)
{
    for (unsigned int i = 0; i < fr->nr_segs; i++) {
        memcpy(out, rx_seg_data(f, fr, i), fr->seg[i].len);
        out += fr->seg[i].len;
    }
}

/* Every slot's buffer, extras' included, back to the pool.  The pages keep
 * their data until netfront_rx_refill() posts them again. */
static void rx_release(struct netfront *f, const struct rx_frame *fr)
{
    for (RING_IDX i = f->rx.rsp_cons; i != fr->end; i++)
        pool_put(&f->rxp, rx_buf_at(f, i));
    f->rx.rsp_cons = fr->end;
}

/* Enough of a frame's start for every header the offload parse reads. */
#define RX_HDR_VIEW 256u

static int rx_vnet(const struct netfront *f, const struct rx_frame *fr, struct virtio_net_hdr *vh)
{
    struct netif_offload o = {
        .csum_blank = fr->flags & NETRXF_csum_blank,
        .data_validated = fr->flags & NETRXF_data_validated,
        .gso_type = fr->gso.type ? fr->gso.u.gso.type : XEN_NETIF_GSO_TYPE_NONE,
        .gso_size = fr->gso.type ? fr->gso.u.gso.size : 0,
    };
    uint8_t view[RX_HDR_VIEW], *whole;
    const uint8_t *hdr = fr->nr_segs ? rx_seg_data(f, fr, 0) : view;
    size_t hdr_len = fr->nr_segs ? fr->seg[0].len : 0;
    int rc;

    /* Headers split over slots (a backend may cut anywhere) are gathered. */
    if (hdr_len < RX_HDR_VIEW && hdr_len < fr->len) {
        hdr_len = 0;
        for (unsigned int i = 0; i < fr->nr_segs && hdr_len < RX_HDR_VIEW; i++) {
            size_t n =
                fr->seg[i].len < RX_HDR_VIEW - hdr_len ? fr->seg[i].len : RX_HDR_VIEW - hdr_len;

            memcpy(view + hdr_len, rx_seg_data(f, fr, i), n);
            hdr_len += n;
        }
        hdr = view;
    }
    rc = netif_offload_to_vnet(&o, hdr, hdr_len, vh);
    if (rc == 0 || hdr_len == fr->len)
        return rc < 0 ? -EBADMSG : 0;
    /* Headers longer than what was looked at (IPv6 extension headers can
     * run to kilobytes), or a frame that does not parse at all: rare, so
     * the whole frame is gathered and parsed once more.  A backend can make
     * us do this for each frame it sends, at the cost of sending it. */
    whole = malloc(fr->len);
    if (!whole)
        return -ENOMEM;
    rx_copy_out(f, fr, whole);
    rc = netif_offload_to_vnet(&o, whole, fr->len, vh);
    free(whole);
    return rc < 0 ? -EBADMSG : 0;
}

static int rx_next(struct netfront *f, struct rx_frame *fr)
{
    RING_IDX prod;
    int rc;

    for (;;) {
        if (load_rsp_prod(f, &f->rx.sring->rsp_prod, f->rx.rsp_cons, f->rx.sring->req_prod, &prod) <
            0)
            return -EPROTO;
        if ((rc = rx_scan(f, prod, fr)) != 0 || f->polled)
            return rc;
        /* Nothing complete: ask to be told about the next response past
         * prod (RING_FINAL_CHECK_FOR_RESPONSES, for a partial frame too). */
        f->rx.sring->rsp_event = prod + 1;
        xen_mb();
        if (__atomic_load_n(&f->rx.sring->rsp_prod, __ATOMIC_ACQUIRE) == prod)
            return 0;
    }
}

/* Takes the next complete frame off the ring into *fr and *vh, its buffers
 * back to the pool: its length, or what netfront_rx_recv() returns. */
static int rx_take(struct netfront *f, struct rx_frame *fr, struct virtio_net_hdr *vh, size_t cap)
{
    int rc;

    if (f->broken)
        return -EPROTO;
    if ((rc = rx_next(f, fr)) <= 0)
        return rc;
    rc = fr->status < 0 ? -EIO : fr->len > cap ? -EMSGSIZE : rx_vnet(f, fr, vh);
    rx_release(f, fr);
    if (rc < 0) {
        f->stats.rx_errors++;
        return rc;
    }
    f->stats.rx_packets++;
    f->stats.rx_hashed += fr->hashed;
    return (int)fr->len;
}

int netfront_rx_recv(struct netfront *f, struct virtio_net_hdr *vh, void *buf, size_t cap)
{
    struct rx_frame fr;
    int n = rx_take(f, &fr, vh, cap);

    if (n > 0)
        rx_copy_out(f, &fr, buf);
    return n;
}

int netfront_rx_recv_iov(struct netfront *f, struct virtio_net_hdr *vh, struct iovec *iov,
                         unsigned int *niov, size_t cap)
{
    struct rx_frame fr;
    int n = rx_take(f, &fr, vh, cap);

    *niov = 0;
    for (unsigned int i = 0; n > 0 && i < fr.nr_segs; i++)
        iov[(*niov)++] = (struct iovec){(void *)rx_seg_data(f, &fr, i), fr.seg[i].len};
    return n;
}
