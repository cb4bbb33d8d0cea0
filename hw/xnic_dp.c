/*
 * xnic device core, data half: TX descriptor chains read through the IOMMU,
 * offloads, anti-spoofing and port VLANs, the internal switch (VEB) that
 * sorts each frame to vports or the wire, RX descriptor fill and write-back,
 * and MSI-X (eventfd) interrupts.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "sv/pktparse.h"
#include "sv/toeplitz.h"
#include "sv/vlan.h"
#include "xnic_dev_priv.h"
#include "sv/swoffload.h"

#define TXD_SIZE  sizeof(struct xnic_tx_desc)
#define RXD_SIZE  sizeof(struct xnic_rx_desc)
#define MIN_FRAME 60u /* sched accounting floor: an Ethernet minimum frame */

void xnic_dp_raise(struct func *fn, unsigned vec)
{
    uint64_t one = 1;

    if (!fn->attached || vec >= fn->nvec)
        return;
    /* The write-backs before the mask read: an owner that unmasks and then
     * reads its rings sees them, or we see the unmask. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (reg_rd64(fn, XNIC_REG_VEC_MASK) & (1ull << vec))
        return;
    /* An eventfd write only fails when the counter would overflow: then the
     * interrupt is pending anyway. */
    if (write(fn->vec[vec], &one, sizeof(one)) < 0)
        return;
}

void xnic_dp_queue_error(struct vport *v, enum xnic_err err)
{
    struct func *fn = v->fn;
    uint32_t st;

    if (!fn->attached)
        return;
    st = reg_rd32(fn, XNIC_REG_QSTATUS(v->q)) & ((1u << XNIC_QS_ERR_SHIFT) - 1);
    reg_wr32(fn, XNIC_REG_QSTATUS(v->q), st | (uint32_t)err << XNIC_QS_ERR_SHIFT);
}

static void note_fault(struct func *fn)
{
    if (!fn->attached)
        return;
    reg_wr64(fn, XNIC_REG_DMA_FAULTS, reg_rd64(fn, XNIC_REG_DMA_FAULTS) + 1);
    __atomic_fetch_or((uint32_t *)(fn->regs + XNIC_REG_ICR), XNIC_ICR_FAULT, __ATOMIC_RELEASE);
    xnic_dp_raise(fn, XNIC_VEC_MISC);
}

static int dma_read(struct func *fn, uint64_t iova, void *dst, size_t len)
{
    int rc = iommu_read(fn->iommu, iova, dst, len, NULL);

    if (rc < 0)
        note_fault(fn);
    return rc;
}

static int dma_write(struct func *fn, uint64_t iova, const void *src, size_t len)
{
    int rc = iommu_write(fn->iommu, iova, src, len, NULL);

    if (rc < 0)
        note_fault(fn);
    return rc;
}

/* ---- frames in two parts --------------------------------------------------- */

/* A frame on its way to receivers: its first head_len bytes at head (where
 * offloads rewrite headers), the rest in pieces of the sender's memory (a
 * TSO packet that stays inside the NIC: its payload moves once, straight
 * from the sender's TX buffers into the receivers' RX buffers). */
struct frame_view {
    const uint8_t *head;
    size_t head_len, len;
    const struct iommu_piece *tail;
    unsigned ntail;
};

static struct frame_view linear_view(const uint8_t *frame, size_t len)
{
    return (struct frame_view){.head = frame, .head_len = len, .len = len};
}

/* Copies bytes [off, off + n) of f to dst. */
static void view_read(const struct frame_view *f, size_t off, uint8_t *dst, size_t n)
{
    size_t k;

    if (off < f->head_len) {
        k = n < f->head_len - off ? n : f->head_len - off;
        memcpy(dst, f->head + off, k);
        dst += k;
        n -= k;
        off = 0;
    } else {
        off -= f->head_len;
    }
    for (unsigned i = 0; n && i < f->ntail; i++) {
        if (off >= f->tail[i].len) {
            off -= f->tail[i].len;
            continue;
        }
        k = n < f->tail[i].len - off ? n : f->tail[i].len - off;
        /* The tail is still in the sender's memory, which an owner may also
         * have posted as the RX buffer this writes: overlap is the owner's
         * garbage, not our undefined behaviour. */
        memmove(dst, (const uint8_t *)f->tail[i].ptr + off, k);
        dst += k;
        n -= k;
        off = 0;
    }
}

/* Pieces of one RX buffer (at most 64 KiB, misaligned). */
#define RX_BUF_PIECES (UINT16_MAX / SV_PAGE_SIZE + 2)

/* Writes bytes [off, off + n) of f to iova; the whole range is checked
 * first, so a faulting DMA writes nothing. */
static int dma_write_view(struct func *fn, uint64_t iova, const struct frame_view *f, size_t off,
                          size_t n)
{
    struct iommu_piece dst[RX_BUF_PIECES];
    int k = iommu_walk(fn->iommu, iova, n, true, dst, RX_BUF_PIECES, NULL);

    if (k < 0) {
        note_fault(fn);
        return k;
    }
    for (int i = 0; i < k; i++) {
        view_read(f, off, dst[i].ptr, dst[i].len);
        off += dst[i].len;
    }
    return 0;
}

static unsigned qreg(const struct vport *v, size_t field)
{
    return XNIC_REG_QUEUE(v->q) + (unsigned)field;
}

/* ---- switching ----------------------------------------------------------- */

static int rx_put(struct xnic_dev *dev, unsigned vport, const struct frame_view *f, uint16_t flags,
                  const struct xnic_rx_wb *wb);

/* Counts what the wire took (sent: 0) or refused. */
static void wire_count(struct xnic_dev *dev, int sent, size_t len)
{
    if (sent == 0) {
        WSTAT_ADD(dev, tx_packets, 1);
        WSTAT_ADD(dev, tx_bytes, len);
    } else {
        WSTAT_ADD(dev, tx_errors, 1);
    }
}

static void wire_send(struct xnic_dev *dev, const uint8_t *frame, size_t len)
{
    wire_count(dev, dev->ops->wire_tx ? dev->ops->wire_tx(dev->ops_arg, frame, len) : -ENODEV, len);
}

/* Delivers a frame to every vport in mask with these RX status bits and
 * write-back (NULL: none); returns the vports that did not take an RSC
 * frame (for its fallback). */
static uint64_t deliver_as(struct xnic_dev *dev, uint64_t mask, const struct frame_view *f,
                           uint16_t flags, const struct xnic_rx_wb *wb)
{
    uint64_t refused = 0;

    for (unsigned v = 0; mask; v++, mask >>= 1) {
        if ((mask & 1) && rx_put(dev, v, f, flags, wb) < 0)
            refused |= 1ull << v;
    }
    return refused;
}

static void deliver_mask(struct xnic_dev *dev, uint64_t mask, const uint8_t *frame, size_t len)
{
    uint16_t csum = mask ? swoffload_rx_csum_flags(frame, len) : 0;
    struct frame_view f = linear_view(frame, len);

    deliver_as(dev, mask, &f, csum, NULL);
}

/* Where the switch sends a frame of vport src: the vports that want it;
 * unicast that no vport claims, and every broadcast/multicast, also goes to
 * the wire.  Every segment of a TSO packet goes the same way. */
struct route {
    uint64_t mask;
    bool wire;
};

static struct route route_from_vport(struct xnic_dev *dev, unsigned src, const uint8_t *frame,
                                     size_t len)
{
    bool miss;
    uint64_t mask = xnic_classify(&dev->cls, frame, sv_vlan_of_frame(frame, len), &miss);

    mask &= ~(1ull << src);
    return (struct route){mask, !mask || xnic_mac_is_multicast(frame)};
}

static void switch_out(struct xnic_dev *dev, const struct route *r, const uint8_t *frame,
                       size_t len)
{
    if (r->mask) {
        WSTAT_ADD(dev, veb_packets, 1);
        deliver_mask(dev, r->mask, frame, len);
    }
    if (r->wire)
        wire_send(dev, frame, len);
}

/* Whether a packet with offloads pending goes to the wire alone, whose far
 * side finishes it (a TAP: the host's stack) -- then its checksum stays
 * partial and a TSO packet is not cut.  Untagged only, so that the checksum
 * offsets need no care for a tag. */
static bool wire_finishes(const struct xnic_dev *dev, const struct route *r, const uint8_t *frame,
                          size_t len)
{
    return dev->ops->wire_tx_offload && !r->mask && r->wire && !pktparse_vlan(frame, len);
}

/* Sends such a packet, its checksum (and IPv4 header, and lengths) already
 * made partial by swoffload_tso_whole() or swoffload_csum_partial(). */
static void wire_send_partial(struct xnic_dev *dev, const uint8_t *frame, size_t len,
                              const struct xnic_rx_wb *wb, unsigned hdr_len)
{
    struct pktparse p;
    struct xnic_wire_offload o;

    pktparse_frame(frame, len, &p); /* TCP or UDP: the offload checks passed */
    o = (struct xnic_wire_offload){.gso_type = wb->gso_type,
                                   .gso_size = wb->gso_size,
                                   .hdr_len = (uint16_t)hdr_len,
                                   .csum_start = p.l4_off,
                                   .csum_offset = (uint16_t)pktparse_csum_offset(&p)};
    wire_count(dev, dev->ops->wire_tx_offload(dev->ops_arg, frame, len, &o), len);
}

/* A frame with offloads pending may reach its receivers as its sender gave
 * it (RSC) when it stays inside the NIC. */
static bool stays_inside(const struct route *r)
{
    return r->mask && !r->wire;
}

void xnic_dev_wire_rx(struct xnic_dev *dev, const uint8_t *frame, size_t len)
{
    uint16_t vid = sv_vlan_of_frame(frame, len);
    bool miss;
    uint64_t mask;

    if (len < XNIC_ETH_HLEN || len > XNIC_MAX_FRAME) {
        WSTAT_ADD(dev, rx_dropped, 1);
        return;
    }
    WSTAT_ADD(dev, rx_packets, 1);
    WSTAT_ADD(dev, rx_bytes, len);
    mask = xnic_classify(&dev->cls, frame, vid, &miss);
    if (miss) {
        WSTAT_ADD(dev, rx_unmatched, 1);
        /* The default pool too takes only its own VLANs. */
        if (xnic_cls_admits(&dev->cls, dev->cls.default_vport, vid))
            mask = 1ull << dev->cls.default_vport;
    }
    if (!mask)
        WSTAT_ADD(dev, rx_dropped, 1);
    deliver_mask(dev, mask, frame, len);
}

/* ---- RX ------------------------------------------------------------------- */

struct rx_slot {
    struct xnic_rx_desc d;
    uint32_t idx;
};

/* Reads the descriptors that will hold len bytes; how many, 0 when the ring
 * has too few (nothing consumed), -EFAULT when the ring is not mapped. */
static int rx_gather(struct vport *v, size_t len, struct rx_slot *slots)
{
    uint32_t tail = reg_rd32(v->fn, qreg(v, offsetof(struct xnic_queue_regs, rx_tail)));
    uint32_t idx = v->rx_head;
    size_t room = 0;
    unsigned n = 0;

    if (tail >= v->rx_size) {
        xnic_dp_queue_error(v, XNIC_ERR_DESC);
        return 0;
    }
    while (room < len) {
        if (idx == tail || n == XNIC_MAX_RX_BUFS)
            return 0;
        if (dma_read(v->fn, v->rx_base + (uint64_t)idx * RXD_SIZE, &slots[n].d, RXD_SIZE) < 0)
            return -EFAULT;
        slots[n].idx = idx;
        room += slots[n].d.buf_len;
        n++;
        idx = (idx + 1) & (v->rx_size - 1);
    }
    return (int)n;
}

/* Writes the frame into the gathered buffers and their write-back fields;
 * returns descriptors consumed (fewer than n when a buffer DMA faulted). */
static unsigned rx_fill(struct vport *v, struct rx_slot *slots, unsigned n,
                        const struct frame_view *f, uint16_t flags, uint16_t tci,
                        const struct xnic_rx_wb *wb)
{
    size_t len = f->len;
    size_t off = 0;
    unsigned i;

    for (i = 0; i < n; i++) {
        struct xnic_rx_desc *d = &slots[i].d;
        size_t chunk = len - off < d->buf_len ? len - off : d->buf_len;
        bool last = i == n - 1;
        size_t wb_from = offsetof(struct xnic_rx_desc, len);

        d->len = (uint16_t)chunk;
        d->vlan_tci = tci;
        d->status = XNIC_DS_DD | (last ? XNIC_RXS_EOP | flags : 0);
        if (dma_write_view(v->fn, d->addr, f, off, chunk) < 0) {
            d->status = XNIC_DS_DD | XNIC_RXS_EOP | XNIC_ERR_DMA << 8;
            last = true;
        } else if (last && (flags & (XNIC_RXS_RSS | XNIC_RXS_RSC))) {
            d->wb = *wb; /* the write-back format covers addr too */
            wb_from = 0;
        }
        __atomic_thread_fence(__ATOMIC_RELEASE);
        dma_write(v->fn, v->rx_base + (uint64_t)slots[i].idx * RXD_SIZE + wb_from,
                  (uint8_t *)d + wb_from, RXD_SIZE - wb_from);
        off += chunk;
        if (last)
            return i + 1;
    }
    return n;
}

/* A frame for a vport with a port VLAN loses its tag (kept in the descriptor). */
static const struct frame_view *strip_pvid(struct xnic_dev *dev, unsigned vport,
                                           const struct frame_view *f, struct frame_view *untagged,
                                           uint16_t *flags, uint16_t *tci)
{
    uint16_t pvid = dev->cls.vport[vport].pvid;

    if (!pvid || pktparse_vlan(f->head, f->head_len) != pvid)
        return f;
    *tci = (uint16_t)(f->head[14] << 8 | f->head[15]);
    *flags |= XNIC_RXS_VLAN;
    view_read(f, 0, dev->rxbuf, 12);
    view_read(f, 16, dev->rxbuf + 12, f->len - 16);
    *untagged = linear_view(dev->rxbuf, f->len - 4);
    return untagged;
}

/* The queue of vport that takes frame: a pool's RSS picks one of its queues
 * (table[hash % size]) and fills *wb; anything else has one queue. */
static struct vport *rx_queue(struct xnic_dev *dev, unsigned vport, const struct frame_view *f,
                              uint16_t *flags, struct xnic_rx_wb *wb)
{
    const struct pool_rss *r;
    uint32_t hash;
    uint8_t htype;

    if (vport >= dev->pools)
        return &dev->vp[dev->pools * dev->pool_queues + vport - dev->pools];
    r = &dev->rss[vport];
    if (!r->types || toeplitz_flow_hash(r->key, sizeof(r->key), r->types, f->head, f->head_len,
                                        &hash, &htype) < 0)
        return &dev->vp[vport];
    *flags |= XNIC_RXS_RSS;
    wb->rss_hash = hash;
    wb->hash_type = (uint8_t)(1u << htype); /* netif's type number -> its bit */
    return &dev->vp[XNIC_POOL_QUEUE(dev->pools, vport, r->table[hash % r->size])];
}

/* Puts a frame into the RX ring of vport's queue (rsc: the GSO write-back of
 * a frame with RSC in flags): 0 when delivered, lost to a DMA fault, or
 * dropped (queue off, or too few buffers posted: counted); -ENOBUFS, with
 * nothing consumed or counted, when an RSC frame cannot go in whole (the
 * queue does not take RSC, or lacks buffers): the caller falls back to the
 * frame's plain form. */
static int rx_put(struct xnic_dev *dev, unsigned vport, const struct frame_view *f, uint16_t flags,
                  const struct xnic_rx_wb *rsc)
{
    struct xnic_rx_wb wb = rsc ? *rsc : (struct xnic_rx_wb){0};
    struct rx_slot slots[XNIC_MAX_RX_BUFS];
    struct frame_view untagged;
    uint16_t tci = 0;
    struct vport *v;
    unsigned used;
    int n;

    f = strip_pvid(dev, vport, f, &untagged, &flags, &tci);
    v = rx_queue(dev, vport, f, &flags, &wb);
    if (!v->rx_en || !v->fn->attached || ((flags & XNIC_RXS_RSC) && !v->rsc))
        goto no_buf;
    n = rx_gather(v, f->len, slots);
    if (n == 0)
        goto no_buf;
    if (n < 0) {
        xnic_dp_queue_error(v, XNIC_ERR_DMA);
        VSTAT_ADD(v, rx_errors, 1);
        return 0;
    }
    used = rx_fill(v, slots, (unsigned)n, f, flags, tci, &wb);
    v->rx_head = (v->rx_head + used) & (v->rx_size - 1);
    reg_wr32(v->fn, qreg(v, offsetof(struct xnic_queue_regs, rx_head)), v->rx_head);
    if (used < (unsigned)n || XNIC_DS_ERR(slots[used - 1].d.status)) {
        VSTAT_ADD(v, rx_errors, 1);
    } else {
        VSTAT_ADD(v, rx_packets, 1);
        VSTAT_ADD(v, rx_bytes, f->len);
    }
    v->irq_pending = true;
    return 0;
no_buf:
    if (flags & XNIC_RXS_RSC)
        return -ENOBUFS;
    if (v->fn->parked)
        v->fn->parked_drops++;
    VSTAT_ADD(v, rx_no_buf, 1);
    return 0;
}

/* ---- TX ------------------------------------------------------------------- */

/* Reads the descriptor chain at the queue head into v->chain; false while the
 * chain is not complete (no EOP before the tail) or the queue is empty. */
static bool tx_fetch(struct vport *v)
{
    struct tx_chain *c = &v->chain;
    uint32_t tail = reg_rd32(v->fn, qreg(v, offsetof(struct xnic_queue_regs, tx_tail)));
    uint32_t idx = v->tx_head;

    if (tail >= v->tx_size) {
        xnic_dp_queue_error(v, XNIC_ERR_DESC);
        return false;
    }
    bool eop = false;

    memset(c, 0, offsetof(struct tx_chain, desc));
    for (c->ndesc = 0; c->ndesc < XNIC_MAX_CHAIN && !eop; c->ndesc++) {
        struct xnic_tx_desc *d = &c->desc[c->ndesc];

        if (idx == tail)
            return false;
        if (dma_read(v->fn, v->tx_base + (uint64_t)idx * TXD_SIZE, d, TXD_SIZE) < 0) {
            /* The ring itself is unmapped: skip the slot, the driver sees head move. */
            c->err = XNIC_ERR_DMA;
            c->unreadable = true;
            eop = true;
            continue;
        }
        if (!d->len)
            c->err = XNIC_ERR_DESC;
        c->len += d->len;
        idx = (idx + 1) & (v->tx_size - 1);
        eop = d->cmd & XNIC_TXD_EOP;
    }
    if (!c->err && (!eop || c->len > XNIC_MAX_TSO))
        c->err = XNIC_ERR_DESC;
    c->cmd = c->desc[0].cmd;
    c->mss = c->desc[0].mss;
    c->hdr_len = c->desc[0].hdr_len;
    c->valid = true;
    return true;
}

/* What a packet costs its queue in the scheduler: the bytes it puts on the
 * wire.  Each TSO segment carries the headers again: charged its length
 * alone, a 64 KiB packet cut at the MSS floor took two (54-byte headers) to
 * five (255) times the wire its credit paid for. */
static uint32_t tx_cost(const struct tx_chain *c)
{
    uint32_t len = c->len;

    if ((c->cmd & XNIC_TXD_TSO) && c->mss && c->len > c->hdr_len)
        len += (c->len - c->hdr_len - 1) / c->mss * c->hdr_len;
    return len > MIN_FRAME ? len : MIN_FRAME;
}

static uint32_t tx_peek(void *arg, unsigned i)
{
    struct xnic_dev *dev = arg;
    struct vport *v = &dev->vp[i];

    if (!v->tx_en || !v->tx_kicked)
        return 0;
    if (!v->chain.valid && !tx_fetch(v)) {
        /* The next doorbell (or poll) looks again; a tail written before the
         * owner could see that is seen by the second look.  Poll mode sets
         * no bit (its owner rings nothing), so it needs neither. */
        if (!v->tx_polling) {
            v->tx_kicked = false;
            return 0;
        }
        vport_tx_watch(v, false);
        if (!tx_fetch(v))
            return 0;
        vport_tx_watch(v, true);
    }
    return tx_cost(&v->chain);
}

/* Bytes of a TX packet read before it is switched: every header the NIC
 * reads or rewrites (a TSO packet's hdr_len is at most 255). */
#define TX_HEAD 256u

/* Reads the packet at v's head into dev->txbuf: all of it, or of a TSO
 * packet without a port VLAN (whose payload moves once, straight to its
 * receivers) the first TX_HEAD bytes and where the rest lies (checked
 * through the IOMMU, not yet read). */
static int tx_gather(struct xnic_dev *dev, struct vport *v)
{
    const struct tx_chain *c = &v->chain;
    size_t max = (c->cmd & XNIC_TXD_TSO) && !dev->cls.vport[v->vport].pvid ? TX_HEAD : c->len;
    size_t off = 0;

    dev->tx_ntail = 0;
    for (unsigned k = 0; k < c->ndesc; k++) {
        size_t n = c->desc[k].len;
        size_t head = off >= max ? 0 : n < max - off ? n : max - off;
        int pieces;

        if (head && dma_read(v->fn, c->desc[k].addr, dev->txbuf + off, head) < 0)
            return XNIC_ERR_DMA;
        off += n;
        if (head == n)
            continue;
        pieces =
            iommu_walk(v->fn->iommu, c->desc[k].addr + head, n - head, false,
                       dev->tx_tail + dev->tx_ntail, XNIC_TX_TAIL_PIECES - dev->tx_ntail, NULL);
        if (pieces < 0) {
            note_fault(v->fn);
            return XNIC_ERR_DMA;
        }
        dev->tx_ntail += (unsigned)pieces;
    }
    dev->tx_have = off < max ? off : max;
    return XNIC_ERR_OK;
}

static struct frame_view tx_view(const struct xnic_dev *dev, size_t len)
{
    return (struct frame_view){.head = dev->txbuf,
                               .head_len = dev->tx_have,
                               .len = len,
                               .tail = dev->tx_tail,
                               .ntail = dev->tx_ntail};
}

/* The rest of the TX packet into txbuf, for whatever reads or moves its
 * payload there. */
static void tx_linear(struct xnic_dev *dev, size_t len)
{
    struct frame_view f = tx_view(dev, len);

    view_read(&f, dev->tx_have, dev->txbuf + dev->tx_have, len - dev->tx_have);
    dev->tx_have = len;
    dev->tx_ntail = 0;
}

struct tso_ctx {
    struct xnic_dev *dev;
    const struct route *route;
};

static void tso_segment_out(void *arg, const uint8_t *seg, size_t len)
{
    struct tso_ctx *t = arg;

    switch_out(t->dev, t->route, seg, len);
}

/* A TSO packet: whole to receivers whose queue takes RSC and has room for
 * it (its payload straight from the sender's buffers), segmented to the
 * others. */
static int tx_tso(struct xnic_dev *dev, unsigned src, size_t len, uint16_t mss, unsigned hdr_len)
{
    uint8_t *frame = dev->txbuf;
    struct route r = route_from_vport(dev, src, frame, dev->tx_have);
    struct tso_ctx t = {dev, &r};

    if (hdr_len > UINT8_MAX || mss < XNIC_MIN_MSS)
        return XNIC_ERR_OFFLOAD;
    if (len <= XNIC_MAX_TSO && wire_finishes(dev, &r, frame, dev->tx_have)) {
        struct xnic_rx_wb wb = {0};
        uint16_t flags;

        tx_linear(dev, len);
        if (swoffload_tso_whole(frame, len, mss, (uint8_t)hdr_len, sizeof(dev->segbuf), &flags,
                                &wb) < 0)
            return XNIC_ERR_OFFLOAD;
        wire_send_partial(dev, frame, len, &wb, hdr_len);
        return XNIC_ERR_OK;
    }
    if (len <= XNIC_MAX_TSO && stays_inside(&r)) {
        struct xnic_rx_wb wb = {0};
        struct frame_view f;
        uint64_t refused;
        uint16_t flags;

        /* hdr_len < TX_HEAD: the head read holds every header the check reads. */
        if (swoffload_tso_whole(frame, len, mss, (uint8_t)hdr_len, sizeof(dev->segbuf), &flags,
                                &wb) < 0)
            return XNIC_ERR_OFFLOAD;
        f = tx_view(dev, len);
        refused = deliver_as(dev, r.mask, &f, flags, &wb);
        if (refused != r.mask)
            WSTAT_ADD(dev, veb_packets, 1);
        if (!refused)
            return XNIC_ERR_OK;
        r.mask = refused;
    }
    tx_linear(dev, len);
    if (swoffload_tso(frame, len, mss, (uint8_t)hdr_len, dev->segbuf, sizeof(dev->segbuf),
                      tso_segment_out, &t) < 0)
        return XNIC_ERR_OFFLOAD;
    return XNIC_ERR_OK;
}

/* A frame asking for CSUM: checksum partial to receivers whose queue takes
 * RSC, filled (and verified) for the others. */
static int tx_csum(struct xnic_dev *dev, unsigned src, uint8_t *frame, size_t len)
{
    struct route r = route_from_vport(dev, src, frame, len);
    uint16_t flags;

    if (wire_finishes(dev, &r, frame, len)) {
        static const struct xnic_rx_wb no_gso;

        if (swoffload_csum_partial(frame, len, &flags) < 0)
            return XNIC_ERR_OFFLOAD;
        wire_send_partial(dev, frame, len, &no_gso, 0);
        return XNIC_ERR_OK;
    }
    if (stays_inside(&r)) {
        struct frame_view f = linear_view(frame, len);

        if (swoffload_csum_partial(frame, len, &flags) < 0)
            return XNIC_ERR_OFFLOAD;
        r.mask = deliver_as(dev, r.mask, &f, flags, NULL);
        if (!r.mask) {
            WSTAT_ADD(dev, veb_packets, 1);
            return XNIC_ERR_OK;
        }
    }
    if (swoffload_csum_fill(frame, len) < 0)
        return XNIC_ERR_OFFLOAD;
    switch_out(dev, &r, frame, len);
    return XNIC_ERR_OK;
}

/* Checks, offloads and switches the packet tx_gather() read; an XNIC_ERR_*
 * code.  Only a TSO packet goes on in two parts (tx_tso). */
static int tx_frame(struct xnic_dev *dev, unsigned src, const struct tx_chain *c)
{
    const struct xnic_vport_cfg *cfg = &dev->cls.vport[src];
    uint8_t *frame = dev->txbuf;
    unsigned hdr_len = c->hdr_len;
    size_t len = c->len;
    enum sv_vlan_verdict vlan;
    struct route r;

    if (len < XNIC_ETH_HLEN)
        return XNIC_ERR_RUNT;
    /* A function sends on its own VLANs only: a tag it picked itself is
     * obeyed only for a VLAN the PF put in its trunk set. */
    vlan = sv_vlan_ingress(cfg->pvid, &dev->cls.trunk[src], sv_vlan_of_frame(frame, dev->tx_have));
    if (!(c->cmd & XNIC_TXD_TSO) && len + (vlan == SV_VLAN_TAG ? 4 : 0) > XNIC_MAX_FRAME)
        return XNIC_ERR_TOO_LONG;
    if (vlan == SV_VLAN_DROP ||
        ((cfg->flags & XNIC_VPF_SPOOFCHK) && memcmp(frame + 6, cfg->mac, 6)))
        return XNIC_ERR_SPOOF;
    if (vlan == SV_VLAN_TAG) {
        pktparse_vlan_insert(frame, len, cfg->pvid);
        len += 4;
        hdr_len += 4;
        dev->tx_have = len;
    }
    if (c->cmd & XNIC_TXD_TSO)
        return tx_tso(dev, src, len, c->mss, hdr_len);
    if (c->cmd & XNIC_TXD_CSUM)
        return tx_csum(dev, src, frame, len);
    r = route_from_vport(dev, src, frame, len);
    switch_out(dev, &r, frame, len);
    return XNIC_ERR_OK;
}

static void tx_complete(struct vport *v, int err)
{
    struct tx_chain *c = &v->chain;
    uint16_t status = (uint16_t)(XNIC_DS_DD | err << 8);

    /* An unreadable descriptor is not written either (it would only fault again). */
    for (unsigned k = 0; k < c->ndesc - c->unreadable; k++) {
        uint32_t idx = (v->tx_head + k) & (v->tx_size - 1);

        dma_write(v->fn,
                  v->tx_base + (uint64_t)idx * TXD_SIZE + offsetof(struct xnic_tx_desc, status),
                  &status, sizeof(status));
    }
    v->tx_head = (v->tx_head + c->ndesc) & (v->tx_size - 1);
    reg_wr32(v->fn, qreg(v, offsetof(struct xnic_queue_regs, tx_head)), v->tx_head);
    if (err == XNIC_ERR_SPOOF) {
        VSTAT_ADD(v, tx_spoofed, 1);
    } else if (err) {
        VSTAT_ADD(v, tx_errors, 1);
        xnic_dp_queue_error(v, (enum xnic_err)err);
    } else {
        VSTAT_ADD(v, tx_packets, 1);
        VSTAT_ADD(v, tx_bytes, c->len);
    }
    c->valid = false;
    v->irq_pending = true;
}

static void tx_xmit(void *arg, unsigned i)
{
    struct xnic_dev *dev = arg;
    struct vport *v = &dev->vp[i];
    int err = v->chain.err;

    if (!err)
        err = tx_gather(dev, v);
    if (!err)
        err = tx_frame(dev, v->vport, &v->chain);
    tx_complete(v, err);
}

void xnic_dev_flush_irqs(struct xnic_dev *dev)
{
    for (unsigned i = 0; i < dev->nqueues; i++) {
        struct vport *v = &dev->vp[i];

        if (v->irq_pending) {
            v->irq_pending = false;
            xnic_dp_raise(v->fn, XNIC_VEC_QUEUE(v->q));
        }
    }
}

bool xnic_dev_tx_run(struct xnic_dev *dev, unsigned budget)
{
    unsigned sent = xnic_sched_run(&dev->sched, tx_peek, tx_xmit, dev, budget);

    xnic_dev_flush_irqs(dev);
    return sent == budget;
}
