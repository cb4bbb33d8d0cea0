/*
 * cmocka tests of the netfront core against the netback core over real
 * shared ring memory in one process.  The test harness plays the hypervisor:
 * a tiny grant table maps refs to the frontend's pages, and the backend's
 * copy callbacks go through it.  Malformed frontends are simulated by writing
 * raw requests into a queue's TX ring; each must disconnect that queue and
 * leave the other queue working.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sv/gntcache.h"
#include "sv/netback.h"
#include "sv/netfront.h"

#define NBUF     64         /* buffers per pool */
#define REF_BASE 8          /* first ref the fake grant table hands out */
#define NREF     (2 * NBUF) /* TX pool refs, then RX pool refs */
#define NQUEUE   2

struct queue {
    uint8_t *mem; /* TX ring page, RX ring page, TX pool, RX pool */
    grant_ref_t refs[NREF];
    struct netfront *front;
    struct netback_queue *back;
    struct gntcache *cache; /* when set, copies go through it */
    int front_notify[2], back_notify[2];
    int disconnects;
    const char *reason;
    uint32_t refs_seen[NREF]; /* copies per ref */
};

struct harness {
    struct queue q[NQUEUE];
};

static netif_tx_sring_t *tx_sring(struct queue *q)
{
    return (netif_tx_sring_t *)(void *)q->mem;
}

static netif_rx_sring_t *rx_sring(struct queue *q)
{
    return (netif_rx_sring_t *)(void *)(q->mem + NETIF_PAGE_SIZE);
}

static uint8_t *grant_page(struct queue *q, grant_ref_t ref)
{
    if (ref < REF_BASE || ref >= REF_BASE + NREF)
        return NULL;
    q->refs_seen[ref - REF_BASE]++;
    return q->mem + (2 + (size_t)(ref - REF_BASE)) * NETIF_PAGE_SIZE;
}

static int copy_from(void *ctx, grant_ref_t ref, uint16_t off, void *dst, uint16_t len)
{
    struct queue *q = ctx;
    uint8_t *page;

    if (q->cache)
        return gntcache_copy_from(q->cache, 1, ref, off, dst, len);
    if (!(page = grant_page(q, ref)))
        return -EINVAL;
    memcpy(dst, page + off, len);
    return 0;
}

static int copy_to(void *ctx, grant_ref_t ref, uint16_t off, const void *src, uint16_t len)
{
    struct queue *q = ctx;
    uint8_t *page;

    if (q->cache)
        return gntcache_copy_to(q->cache, 1, ref, off, src, len);
    if (!(page = grant_page(q, ref)))
        return -EINVAL;
    memcpy(page + off, src, len);
    return 0;
}

static void back_notify(void *ctx, enum netback_event ev)
{
    ((struct queue *)ctx)->back_notify[ev]++;
}

static void front_notify(void *ctx, enum netfront_event ev)
{
    ((struct queue *)ctx)->front_notify[ev]++;
}

static void on_disconnect(void *ctx, const char *reason)
{
    struct queue *q = ctx;

    q->disconnects++;
    q->reason = reason;
}

/* The cache's mapper: a "mapping" is the page itself; unmapping is a no-op. */
static void *cache_map(void *ctx, uint32_t domid, uint32_t ref, int prot)
{
    void *page = grant_page(ctx, ref);

    (void)domid;
    (void)prot;
    if (!page)
        errno = EINVAL;
    return page;
}

static int cache_unmap(void *ctx, void *addr)
{
    (void)ctx;
    (void)addr;
    return 0;
}

static const struct netback_ops back_ops = {
    .copy_from_grant = copy_from,
    .copy_to_grant = copy_to,
    .notify = back_notify,
    .disconnect = on_disconnect,
};

static const struct netif_features all_features = {
    .sg = true, .gso_tcpv4 = true, .gso_tcpv6 = true, .csum_ipv4 = true, .csum_ipv6 = true};

static void queue_setup(struct queue *q)
{
    struct netfront_config cfg;

    q->mem = mmap(NULL, (2 + NREF) * NETIF_PAGE_SIZE, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(q->mem != MAP_FAILED);
    for (unsigned int i = 0; i < NREF; i++)
        q->refs[i] = REF_BASE + i;
    cfg = (struct netfront_config){
        .tx_sring = tx_sring(q),
        .rx_sring = rx_sring(q),
        .tx = {.pages = q->mem + 2 * NETIF_PAGE_SIZE, .refs = q->refs, .nr = NBUF},
        .rx = {.pages = q->mem + (2 + NBUF) * NETIF_PAGE_SIZE, .refs = q->refs + NBUF, .nr = NBUF},
        .peer = all_features,
        .notify = front_notify,
        .ctx = q,
    };
    q->front = netfront_new(&cfg);
    assert_non_null(q->front);
    q->back = netback_queue_new(tx_sring(q), rx_sring(q), &back_ops, q);
    assert_non_null(q->back);
    netback_set_rx_features(q->back, &all_features, false);
}

static int setup(void **state)
{
    struct harness *h = calloc(1, sizeof(*h));

    assert_non_null(h);
    for (int i = 0; i < NQUEUE; i++)
        queue_setup(&h->q[i]);
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    struct harness *h = *state;

    for (int i = 0; i < NQUEUE; i++) {
        netfront_free(h->q[i].front);
        netback_queue_free(h->q[i].back);
        gntcache_free(h->q[i].cache);
        munmap(h->q[i].mem, (2 + NREF) * NETIF_PAGE_SIZE);
    }
    free(h);
    return 0;
}

/* ---- frames ---- */

static void fill(uint8_t *f, size_t len, unsigned int seed)
{
    for (size_t i = 0; i < len; i++)
        f[i] = (uint8_t)(i * 31 + seed);
    if (len >= 14) { /* an EtherType nothing parses */
        f[12] = 0x88;
        f[13] = 0xb5;
    }
}

/* Ethernet + IPv4 or IPv6 + TCP (or UDP), len bytes in all. */
static size_t ip_frame(uint8_t *f, size_t len, int ipver, uint8_t proto)
{
    size_t l4;

    fill(f, len, 7);
    if (ipver == 4) {
        f[12] = 0x08, f[13] = 0x00;
        f[14] = 0x45;
        f[20] = f[21] = 0; /* not a fragment */
        f[23] = proto;
        l4 = 34;
    } else {
        f[12] = 0x86, f[13] = 0xdd;
        f[14] = 0x60;
        f[20] = proto;
        l4 = 54;
    }
    if (proto == IPPROTO_TCP)
        f[l4 + 12] = 0x50; /* 20-byte header */
    return len;
}

/* ---- front -> back ---- */

/* Send one frame and take it out at the back: returns the packet. */
static void tx_one(struct queue *q, const struct virtio_net_hdr *vh, const uint8_t *frame,
                   size_t len, struct netback_packet *pkt, uint8_t *out)
{
    assert_int_equal(netfront_tx_send(q->front, vh, frame, len), 0);
    netfront_tx_flush(q->front);
    assert_int_equal(netback_tx_next(q->back, pkt), 1);
    assert_int_equal(netback_tx_copy(q->back, pkt, out, 65536), (int)len);
    assert_memory_equal(out, frame, len);
    netback_tx_done(q->back, pkt, NETIF_RSP_OKAY);
    netback_tx_flush(q->back);
    assert_int_equal(netfront_tx_reap(q->front), 1);
}

/* Deliver one frame at the back and receive it at the front. */
static void rx_one(struct queue *q, const struct netif_offload *o, const uint8_t *frame, size_t len,
                   struct virtio_net_hdr *vh, uint8_t *out)
{
    assert_true(netfront_rx_refill(q->front) >= 0);
    assert_int_equal(netback_rx_put(q->back, frame, len, o, NULL), 0);
    netback_rx_flush(q->back);
    assert_int_equal(netfront_rx_recv(q->front, vh, out, 65536), (int)len);
    assert_memory_equal(out, frame, len);
}

static void test_small_frames(void **state)
{
    struct harness *h = *state;
    struct queue *q = &h->q[0];
    static uint8_t frame[64], out[65536];
    struct netback_packet pkt;
    struct virtio_net_hdr vh;
    struct netfront_stats s;

    for (unsigned int i = 0; i < 10; i++) {
        fill(frame, 60 + i % 5, i);
        tx_one(q, NULL, frame, 60 + i % 5, &pkt, out);
        assert_int_equal(pkt.nr_segs, 1);
        assert_int_equal(pkt.nr_extras, 0);
        assert_int_equal(pkt.flags, 0);
        rx_one(q, NULL, frame, 60 + i % 5, &vh, out);
        assert_int_equal(vh.flags, 0);
        assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
    }
    netfront_get_stats(q->front, &s);
    assert_int_equal(s.tx_packets, 10);
    assert_int_equal(s.rx_packets, 10);
    assert_int_equal(s.tx_errors + s.rx_errors, 0);
    assert_null(netback_error(q->back));
}

static void test_multi_slot(void **state)
{
    struct harness *h = *state;
    struct queue *q = &h->q[0];
    static uint8_t frame[65535], out[65536];
    struct netback_packet pkt;
    struct virtio_net_hdr vh;
    const size_t sizes[] = {4096, 4097, 9000, 65535};

    for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        fill(frame, sizes[i], i);
        tx_one(q, NULL, frame, sizes[i], &pkt, out);
        assert_int_equal(pkt.nr_segs, (sizes[i] + 4095) / 4096);
        rx_one(q, NULL, frame, sizes[i], &vh, out);
    }
    /* A frontend without feature-sg gets no multi-slot frames. */
    netback_set_rx_features(q->back, &(struct netif_features){0}, false);
    assert_int_equal(netback_rx_put(q->back, frame, 9000, NULL, NULL), -EMSGSIZE);
    assert_int_equal(netfront_tx_send(q->front, NULL, frame, 65536), -EMSGSIZE);
    assert_int_equal(netfront_tx_send(q->front, NULL, frame, 13), -EMSGSIZE);
}

/* A reader filling lent pages: the backend gets the same frame as from
 * netfront_tx_send(), unused and refused pages come back. */
static void test_tx_borrowed(void **state)
{
    struct harness *h = *state;
    struct queue *q = &h->q[0];
    static uint8_t frame[65535], out[65536];
    struct iovec iov[NETFRONT_TX_BATCH * NETFRONT_TX_PAGES];
    const size_t sizes[] = {60, 4096, 9000, 65535};
    struct netback_packet pkt;

    for (unsigned int round = 0; round < 2 * NBUF / NETFRONT_TX_PAGES; round++) {
        size_t len = sizes[round % 4];

        fill(frame, len, round);
        assert_int_equal(netfront_tx_borrow(q->front, iov, 1), 1);
        assert_int_equal(netfront_tx_borrow(q->front, iov, 1), -EBUSY);
        for (size_t off = 0, i = 0; off < len; off += NETIF_PAGE_SIZE, i++)
            memcpy(iov[i].iov_base, frame + off, len - off < 4096 ? len - off : 4096);
        assert_int_equal(netfront_tx_send_borrowed(q->front, 0, NULL, len), 0);
        netfront_tx_unborrow(q->front);
        netfront_tx_flush(q->front);
        assert_int_equal(netback_tx_next(q->back, &pkt), 1);
        assert_int_equal(pkt.nr_segs, (len + 4095) / 4096);
        assert_int_equal(netback_tx_copy(q->back, &pkt, out, sizeof(out)), (int)len);
        assert_memory_equal(out, frame, len);
        netback_tx_done(q->back, &pkt, NETIF_RSP_OKAY);
        netback_tx_flush(q->back);
        assert_int_equal(netfront_tx_reap(q->front), 1);
    }
    /* Refused (too short) and given back unread: the pool is whole again. */
    assert_int_equal(netfront_tx_borrow(q->front, iov, 0), -EINVAL);
    assert_int_equal(netfront_tx_borrow(q->front, iov, 1), 1);
    assert_int_equal(netfront_tx_send_borrowed(q->front, 0, NULL, 13), -EMSGSIZE);
    assert_int_equal(netfront_tx_send_borrowed(q->front, 0, NULL, 60), -EINVAL);
    assert_int_equal(netfront_tx_send_borrowed(q->front, 1, NULL, 60), -EINVAL);
    netfront_tx_unborrow(q->front);
    assert_int_equal(netfront_tx_borrow(q->front, iov, 1), 1);
    netfront_tx_unborrow(q->front);
    for (int n = 0; n < NBUF; n++)
        assert_int_equal(netfront_tx_send(q->front, NULL, frame, 64), 0);
    assert_null(netback_error(q->back));
}

/* The frame in frame j of a lending, its first len bytes of fill(seed). */
static void fill_lent(const struct iovec *iov, unsigned int j, size_t len, unsigned int seed)
{
    static uint8_t frame[65535];

    fill(frame, len, seed);
    for (size_t off = 0, i = 0; off < len; off += NETIF_PAGE_SIZE, i++)
        memcpy(iov[j * NETFRONT_TX_PAGES + i].iov_base, frame + off,
               len - off < 4096 ? len - off : 4096);
}

/* One lending for a batch (recvmmsg): as many frames as the pool has room
 * for, each its own pages; frames the batch did not fill, and refused ones,
 * come back. */
static void test_tx_borrowed_batch(void **state)
{
    struct harness *h = *state;
    struct queue *q = &h->q[0];
    static uint8_t frame[65535], out[65536];
    struct iovec iov[NETFRONT_TX_BATCH * NETFRONT_TX_PAGES],
        again[NETFRONT_TX_BATCH * NETFRONT_TX_PAGES];
    const size_t sizes[] = {60, 65535, 1500};
    struct netback_packet pkt;
    int n = netfront_tx_borrow(q->front, iov, NETFRONT_TX_BATCH);

    /* NBUF pages: room for NBUF / 16 frames of the largest size. */
    assert_int_equal(n, NBUF / NETFRONT_TX_PAGES);
    for (unsigned int i = 0; i < (unsigned int)n * NETFRONT_TX_PAGES; i++)
        for (unsigned int k = 0; k < i; k++)
            assert_ptr_not_equal(iov[i].iov_base, iov[k].iov_base);
    /* Frames 0, 1 and 3 filled (2 refused), the last not filled at all. */
    for (unsigned int j = 0; j < 3; j++)
        fill_lent(iov, j == 2 ? 3 : j, sizes[j], j);
    assert_int_equal(netfront_tx_send_borrowed(q->front, 0, NULL, sizes[0]), 0);
    assert_int_equal(netfront_tx_send_borrowed(q->front, 1, NULL, sizes[1]), 0);
    assert_int_equal(netfront_tx_send_borrowed(q->front, 0, NULL, sizes[0]), -EINVAL);
    assert_int_equal(netfront_tx_send_borrowed(q->front, 2, NULL, 13), -EMSGSIZE);
    assert_int_equal(netfront_tx_send_borrowed(q->front, 3, NULL, sizes[2]), 0);
    assert_int_equal(netfront_tx_send_borrowed(q->front, 4, NULL, 60), -EINVAL);
    netfront_tx_unborrow(q->front);
    netfront_tx_flush(q->front);
    for (unsigned int j = 0; j < 3; j++) {
        fill(frame, sizes[j], j);
        assert_int_equal(netback_tx_next(q->back, &pkt), 1);
        assert_int_equal(netback_tx_copy(q->back, &pkt, out, sizeof(out)), (int)sizes[j]);
        assert_memory_equal(out, frame, sizes[j]);
        netback_tx_done(q->back, &pkt, NETIF_RSP_OKAY);
    }
    assert_int_equal(netback_tx_next(q->back, &pkt), 0);
    /* 1 + 16 + 1 pages in flight: room for fewer frames until they are
     * answered, then (reaped by the lending itself) as many as before. */
    assert_int_equal(netfront_tx_borrow(q->front, again, NETFRONT_TX_BATCH),
                     (NBUF - 18) / NETFRONT_TX_PAGES);
    netfront_tx_unborrow(q->front);
    netback_tx_flush(q->back);
    assert_int_equal(netfront_tx_borrow(q->front, again, NETFRONT_TX_BATCH), n);
    netfront_tx_unborrow(q->front);
    /* None lendable while the pages are all in flight. */
    for (int k = 0; k < NBUF; k++)
        assert_int_equal(netfront_tx_send(q->front, NULL, frame, 64), 0);
    assert_int_equal(netfront_tx_borrow(q->front, iov, 1), -EAGAIN);
    assert_null(netback_error(q->back));
}

static void gso_round_trip(struct queue *q, int ipver)
{
    static uint8_t frame[20000], out[65536];
    struct virtio_net_hdr vh =
                              {
                                  .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
                                  .gso_type = ipver == 4 ? VIRTIO_NET_HDR_GSO_TCPV4
                                                         : VIRTIO_NET_HDR_GSO_TCPV6,
                                  .gso_size = htole16(1448),
                              },
                          got;
    struct netback_packet pkt;
    struct netif_offload o;
    size_t l4 = ipver == 4 ? 34 : 54;

    ip_frame(frame, sizeof(frame), ipver, IPPROTO_TCP);
    tx_one(q, &vh, frame, sizeof(frame), &pkt, out);
    assert_int_equal(pkt.nr_extras, 1);
    assert_int_equal(pkt.flags, NETTXF_csum_blank | NETTXF_data_validated);
    netback_tx_offload(&pkt, &o);
    assert_int_equal(o.gso_type, ipver == 4 ? XEN_NETIF_GSO_TYPE_TCPV4 : XEN_NETIF_GSO_TYPE_TCPV6);
    assert_int_equal(o.gso_size, 1448);
    /* ... and back the other way, through the RX ring's GSO extra. */
    rx_one(q, &o, frame, sizeof(frame), &got, out);
    assert_int_equal(got.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    assert_int_equal(got.gso_type, vh.gso_type);
    assert_int_equal(le16toh(got.gso_size), 1448);
    assert_int_equal(le16toh(got.csum_start), l4);
    assert_int_equal(le16toh(got.csum_offset), 16);
    assert_int_equal(le16toh(got.hdr_len), l4 + 20);
}

static void test_gso_tcpv4(void **state)
{
    gso_round_trip(&((struct harness *)*state)->q[0], 4);
}

static void test_gso_tcpv6(void **state)
{
    gso_round_trip(&((struct harness *)*state)->q[0], 6);
}

/* GSO the peer did not offer is refused, not sent. */
static void test_gso_not_negotiated(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];
    static uint8_t frame[9000];
    const struct netif_offload o = {
        .csum_blank = true, .gso_type = XEN_NETIF_GSO_TYPE_TCPV6, .gso_size = 1400};

    ip_frame(frame, sizeof(frame), 6, IPPROTO_TCP);
    netback_set_rx_features(
        q->back, &(struct netif_features){.sg = true, .gso_tcpv4 = true, .csum_ipv6 = true}, false);
    assert_int_equal(netfront_rx_refill(q->front), NBUF);
    assert_int_equal(netback_rx_put(q->back, frame, sizeof(frame), &o, NULL), -EOPNOTSUPP);
}

static void test_csum_flags(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];
    static uint8_t frame[300], out[65536];
    struct virtio_net_hdr vh = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM}, got;
    struct netback_packet pkt;
    struct netif_offload o;

    ip_frame(frame, sizeof(frame), 4, IPPROTO_UDP);
    tx_one(q, &vh, frame, sizeof(frame), &pkt, out);
    assert_int_equal(pkt.flags, NETTXF_csum_blank | NETTXF_data_validated);
    netback_tx_offload(&pkt, &o);
    rx_one(q, &o, frame, sizeof(frame), &got, out);
    assert_int_equal(got.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    assert_int_equal(le16toh(got.csum_start), 34);
    assert_int_equal(le16toh(got.csum_offset), 6);

    vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    tx_one(q, &vh, frame, sizeof(frame), &pkt, out);
    assert_int_equal(pkt.flags, NETTXF_data_validated);
    netback_tx_offload(&pkt, &o);
    rx_one(q, &o, frame, sizeof(frame), &got, out);
    assert_int_equal(got.flags, VIRTIO_NET_HDR_F_DATA_VALID);

    /* A frontend without feature-ipv6-csum-offload gets no blank IPv6 sums. */
    netback_set_rx_features(q->back, &(struct netif_features){.csum_ipv4 = true}, false);
    ip_frame(frame, sizeof(frame), 6, IPPROTO_UDP);
    o = (struct netif_offload){.csum_blank = true, .data_validated = true};
    assert_int_equal(netback_rx_put(q->back, frame, sizeof(frame), &o, NULL), -EOPNOTSUPP);
    netback_set_rx_features(q->back, &all_features, false);

    /* csum_blank on a frame with no transport header: the backend refuses to
     * send it, and a frontend that gets one anyway drops it. */
    fill(frame, sizeof(frame), 1);
    o = (struct netif_offload){.csum_blank = true};
    assert_int_equal(netback_rx_put(q->back, frame, sizeof(frame), &o, NULL), -EOPNOTSUPP);
    assert_true(netfront_rx_refill(q->front) >= 0);
    rx_sring(q)->ring[rx_sring(q)->rsp_prod % NETIF_RX_RING_SIZE].rsp =
        (netif_rx_response_t){.id = (uint16_t)(rx_sring(q)->rsp_prod % NETIF_RX_RING_SIZE),
                              .offset = 0,
                              .flags = NETRXF_csum_blank,
                              .status = 64};
    __atomic_store_n(&rx_sring(q)->rsp_prod, rx_sring(q)->rsp_prod + 1, __ATOMIC_RELEASE);
    assert_int_equal(netfront_rx_recv(q->front, &got, out, sizeof(out)), -EBADMSG);
    assert_int_equal(netfront_rx_recv(q->front, &got, out, sizeof(out)), 0);
}

/* The TX pool fills, sends are refused, then one drain frees everything.
 * Event suppression: a batch costs one notification each way. */
static void test_ring_full_and_suppression(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];
    static uint8_t frame[64], out[65536];
    struct netback_packet pkt;
    int n;

    fill(frame, sizeof(frame), 3);
    for (n = 0; netfront_tx_send(q->front, NULL, frame, sizeof(frame)) == 0; n++)
        netfront_tx_flush(q->front);
    assert_int_equal(n, NBUF);
    assert_int_equal(q->front_notify[NETFRONT_EVENT_TX], 1);
    while (netback_tx_next(q->back, &pkt) == 1) {
        assert_int_equal(netback_tx_copy(q->back, &pkt, out, sizeof(out)), 64);
        netback_tx_done(q->back, &pkt, NETIF_RSP_OKAY);
        netback_tx_flush(q->back);
    }
    assert_int_equal(q->back_notify[NETBACK_EVENT_TX], 1);
    assert_int_equal(netfront_tx_reap(q->front), NBUF);
    /* Both ends re-armed their events: the next round notifies again. */
    assert_int_equal(netfront_tx_send(q->front, NULL, frame, sizeof(frame)), 0);
    netfront_tx_flush(q->front);
    assert_int_equal(q->front_notify[NETFRONT_EVENT_TX], 2);
    assert_int_equal(netback_tx_next(q->back, &pkt), 1);
    netback_tx_done(q->back, &pkt, NETIF_RSP_OKAY);
    netback_tx_flush(q->back);
    assert_int_equal(q->back_notify[NETBACK_EVENT_TX], 2);
    assert_int_equal(netfront_tx_reap(q->front), 1);
}

/* Answers up to n TX packets the backend has, one flush per packet. */
static void back_answer(struct queue *q, int n)
{
    static uint8_t out[65536];
    struct netback_packet pkt;

    while (n-- > 0 && netback_tx_next(q->back, &pkt) == 1) {
        netback_tx_copy(q->back, &pkt, out, sizeof(out));
        netback_tx_done(q->back, &pkt, NETIF_RSP_OKAY);
        netback_tx_flush(q->back);
    }
}

static void back_answer_all(struct queue *q)
{
    back_answer(q, INT_MAX);
}

static void send_frames(struct queue *q, int n)
{
    static uint8_t frame[64];

    for (int i = 0; i < n; i++)
        assert_int_equal(netfront_tx_send(q->front, NULL, frame, sizeof(frame)), 0);
    netfront_tx_flush(q->front);
}

/* tx_wake_after: one TX notification per n completions, or at the last one
 * in flight when fewer are -- and with none in flight at the next, since
 * the sender may then publish fewer than n (the end of a --count run). */
static void test_tx_wake_after(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];

    netfront_set_tx_wake_after(q->front, 32);
    assert_int_equal(netfront_tx_reap(q->front), 0); /* armed with none in flight */
    send_frames(q, 10);
    back_answer_all(q);
    assert_int_equal(q->back_notify[NETBACK_EVENT_TX], 1);
    assert_int_equal(netfront_tx_reap(q->front), 10);
    send_frames(q, NBUF);
    assert_int_equal(netfront_tx_reap(q->front), 0); /* 64 in flight: told at the 32nd */
    back_answer_all(q);
    assert_int_equal(q->back_notify[NETBACK_EVENT_TX], 2);
    assert_int_equal(netfront_tx_reap(q->front), NBUF);
    send_frames(q, 20);
    assert_int_equal(netfront_tx_reap(q->front), 0); /* 20 in flight: told at the 20th */
    back_answer_all(q);
    assert_int_equal(q->back_notify[NETBACK_EVENT_TX], 3);
    assert_int_equal(netfront_tx_reap(q->front), 20);
}

/* A polled sender is due when the completions a notification would have
 * announced are there: at the 32nd of 64 in flight, not before. */
static void test_tx_wake_due(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];

    netfront_set_polled(q->front, true);
    netfront_set_tx_wake_after(q->front, 32);
    assert_true(netfront_tx_wake_due(q->front)); /* nothing in flight */
    send_frames(q, NBUF);
    assert_false(netfront_tx_wake_due(q->front));
    back_answer(q, 31);
    assert_false(netfront_tx_wake_due(q->front));
    back_answer(q, 1);
    assert_true(netfront_tx_wake_due(q->front));
    assert_int_equal(netfront_tx_reap(q->front), 32);
    assert_false(netfront_tx_wake_due(q->front)); /* 32 in flight: due at the last */
    back_answer(q, 31);
    assert_false(netfront_tx_wake_due(q->front));
    back_answer_all(q);
    assert_true(netfront_tx_wake_due(q->front));
    assert_int_equal(netfront_tx_reap(q->front), 32);
    assert_true(netfront_tx_wake_due(q->front));
}

/* A polled queue never arms rsp_event: the backend stops notifying it. */
static void test_polled_no_notifications(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];
    static uint8_t frame[64], buf[2048];
    struct virtio_net_hdr vh;

    netfront_set_polled(q->front, true);
    netfront_rx_refill(q->front);
    for (int round = 0; round < 3; round++) {
        send_frames(q, 8);
        back_answer_all(q);
        assert_int_equal(netfront_tx_reap(q->front), 8);
        assert_int_equal(netback_rx_put(q->back, frame, sizeof(frame), NULL, NULL), 0);
        netback_rx_flush(q->back);
        assert_int_equal(netfront_rx_recv(q->front, &vh, buf, sizeof(buf)), 64);
        assert_int_equal(netfront_rx_recv(q->front, &vh, buf, sizeof(buf)), 0);
        netfront_rx_refill(q->front);
    }
    /* Only the first push of each ring crossed the rsp_event SHARED_RING_INIT set. */
    assert_int_equal(q->back_notify[NETBACK_EVENT_TX], 1);
    assert_int_equal(q->back_notify[NETBACK_EVENT_RX], 1);
}

/* The backend may answer packets in any order; a DROPPED answer counts as
 * an error at the front and its buffers come back all the same. */
static void test_out_of_order_completion(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];
    static uint8_t frame[6000], out[65536];
    struct netback_packet pkt[3];
    struct netfront_stats s;

    fill(frame, sizeof(frame), 4);
    for (int i = 0; i < 3; i++)
        assert_int_equal(netfront_tx_send(q->front, NULL, frame, 100 + 2900 * (size_t)i), 0);
    netfront_tx_flush(q->front);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(netback_tx_next(q->back, &pkt[i]), 1);
        assert_int_equal(netback_tx_copy(q->back, &pkt[i], out, sizeof(out)), 100 + 2900 * i);
    }
    netback_tx_done(q->back, &pkt[2], NETIF_RSP_OKAY);
    netback_tx_done(q->back, &pkt[0], NETIF_RSP_DROPPED);
    netback_tx_done(q->back, &pkt[1], NETIF_RSP_OKAY);
    netback_tx_flush(q->back);
    assert_int_equal(netfront_tx_reap(q->front), 3);
    netfront_get_stats(q->front, &s);
    assert_int_equal(s.tx_packets, 3);
    assert_int_equal(s.tx_errors, 1);
    /* Every TX buffer is free again: a full pool's worth of frames fits. */
    for (int i = 0; i < NBUF; i++)
        assert_int_equal(netfront_tx_send(q->front, NULL, frame, 64), 0);
}

/* RX: the backend waits for buffers (-EAGAIN), and the frontend's refill
 * notifies it exactly when it asked for more. */
static void test_rx_waits_for_buffers(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];
    static uint8_t frame[64], out[65536];
    struct virtio_net_hdr vh;
    int n;

    fill(frame, sizeof(frame), 5);
    assert_int_equal(netback_rx_put(q->back, frame, sizeof(frame), NULL, NULL), -EAGAIN);
    assert_int_equal(netfront_rx_refill(q->front), NBUF);
    assert_int_equal(q->front_notify[NETFRONT_EVENT_RX], 1);
    for (n = 0; netback_rx_put(q->back, frame, sizeof(frame), NULL, NULL) == 0; n++)
        ;
    assert_int_equal(n, NBUF);
    netback_rx_flush(q->back);
    assert_int_equal(q->back_notify[NETBACK_EVENT_RX], 1);
    for (n = 0; netfront_rx_recv(q->front, &vh, out, sizeof(out)) > 0; n++)
        ;
    assert_int_equal(n, NBUF);
    assert_int_equal(netfront_rx_refill(q->front), NBUF);
    assert_int_equal(q->front_notify[NETFRONT_EVENT_RX], 2);
}

/* 1000 frames each way through 64-buffer pools: only the pools' 128 refs
 * are ever used, so a persistent mapping cache of that size maps each once. */
static void test_ref_recycling(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];
    static uint8_t frame[1500], out[65536];
    const struct gntcache_ops ops = {.map = cache_map, .unmap = cache_unmap};
    struct netback_packet pkt;
    struct virtio_net_hdr vh;
    struct gntcache_stats s;
    unsigned int used = 0;

    q->cache = gntcache_new(NREF, &ops, q);
    assert_non_null(q->cache);
    for (unsigned int i = 0; i < 1000; i++) {
        fill(frame, sizeof(frame), i);
        tx_one(q, NULL, frame, sizeof(frame), &pkt, out);
        rx_one(q, NULL, frame, sizeof(frame), &vh, out);
    }
    for (unsigned int i = 0; i < NREF; i++)
        used += q->refs_seen[i] != 0;
    assert_true(used <= NREF);
    gntcache_get_stats(q->cache, &s);
    assert_int_equal(s.misses, used);
    assert_int_equal(s.hits, 2000 - used);
    assert_int_equal(s.evictions, 0);
}

/* Peeking ahead sees each queued packet's slots (past its GSO extra) and
 * each posted RX buffer once, only whole packets, and what it reports is
 * what the requests then name. */
static void test_peek(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];
    static uint8_t frame[9000], out[65536];
    struct virtio_net_hdr vh = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
                                .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
                                .gso_size = htole16(1448)},
                          got;
    struct netback_peek peek[NBUF];
    grant_ref_t refs[NBUF];
    struct netback_packet pkt;
    RING_IDX tx_from = 12345, rx_from = 0; /* anything at first */
    unsigned n;

    ip_frame(frame, sizeof(frame), 4, IPPROTO_TCP);
    assert_int_equal(netback_tx_peek(q->back, &tx_from, peek, NBUF), 0);
    assert_int_equal(netfront_tx_send(q->front, NULL, frame, 100), 0);
    assert_int_equal(netfront_tx_send(q->front, &vh, frame, sizeof(frame)), 0);
    netfront_tx_flush(q->front);
    /* The first packet fits, the second's three slots do not: not half of it. */
    assert_int_equal(netback_tx_peek(q->back, &tx_from, peek, 3), 1);
    assert_int_equal(peek[0].pkt_len, 100);
    n = netback_tx_peek(q->back, &tx_from, peek + 1, NBUF - 1);
    assert_int_equal(n, 3); /* 9000 bytes: three pages, the extra skipped */
    for (unsigned i = 1; i <= n; i++)
        assert_int_equal(peek[i].pkt_len, sizeof(frame));
    assert_int_equal(netback_tx_peek(q->back, &tx_from, peek + 4, NBUF - 4), 0); /* seen */
    assert_int_equal(netback_tx_next(q->back, &pkt), 1);
    assert_int_equal(pkt.seg[0].gref, peek[0].gref);
    assert_int_equal(netback_tx_next(q->back, &pkt), 1);
    assert_int_equal(pkt.nr_segs, 3);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(pkt.seg[i].gref, peek[1 + i].gref);
    /* Behind the requests not taken (a stale start): from the oldest of them. */
    assert_int_equal(netfront_tx_send(q->front, NULL, frame, 200), 0);
    netfront_tx_flush(q->front);
    tx_from -= 10;
    assert_int_equal(netback_tx_peek(q->back, &tx_from, peek, NBUF), 1);
    assert_int_equal(peek[0].pkt_len, 200);

    assert_int_equal(netback_rx_peek(q->back, &rx_from, refs, NBUF), 0);
    assert_true(netfront_rx_refill(q->front) > 0);
    n = netback_rx_peek(q->back, &rx_from, refs, 5);
    assert_int_equal(n, 5);
    n += netback_rx_peek(q->back, &rx_from, refs + 5, NBUF - 5);
    assert_int_equal(netback_rx_peek(q->back, &rx_from, refs, NBUF), 0);
    assert_int_equal(netback_rx_put(q->back, frame, 100, NULL, NULL), 0);
    netback_rx_flush(q->back);
    assert_int_equal(netfront_rx_recv(q->front, &got, out, sizeof(out)), 100);
    /* The buffer the frame went into was the first peeked. */
    assert_int_equal(q->refs_seen[refs[0] - REF_BASE], 1);
    assert_true(n > 5);
}

/* A hash extra rides after the GSO one when the frontend enabled hashing. */
static void test_rx_hash_extra(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];
    static uint8_t frame[6000], out[65536];
    const struct netif_offload o = {
        .csum_blank = true, .gso_type = XEN_NETIF_GSO_TYPE_TCPV4, .gso_size = 1000};
    const netif_extra_info_t hash = {.type = XEN_NETIF_EXTRA_TYPE_HASH,
                                     .u.hash = {.type = _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP,
                                                .algorithm = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ,
                                                .value = {1, 2, 3, 4}}};
    struct virtio_net_hdr vh;

    netback_set_rx_features(q->back, &all_features, true);
    ip_frame(frame, sizeof(frame), 4, IPPROTO_TCP);
    assert_int_equal(netfront_rx_refill(q->front), NBUF);
    assert_int_equal(netback_rx_put(q->back, frame, sizeof(frame), &o, &hash), 0);
    netback_rx_flush(q->back);
    assert_int_equal(netfront_rx_recv(q->front, &vh, out, sizeof(out)), (int)sizeof(frame));
    assert_memory_equal(out, frame, sizeof(frame));
    assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
    assert_int_equal(le16toh(vh.gso_size), 1000);
    /* No hash for this frame (hash->type 0): no extra, even with hashing on. */
    assert_int_equal(netback_rx_put(q->back, frame, 100, NULL, &(netif_extra_info_t){0}), 0);
    netback_rx_flush(q->back);
    assert_int_equal(netfront_rx_recv(q->front, &vh, out, sizeof(out)), 100);
    assert_int_equal(rx_sring(q)->ring[(rx_sring(q)->rsp_prod - 1) % NETIF_RX_RING_SIZE].rsp.flags,
                     0);
}

/* ---- malformed frontends ---- */

/* Raw requests written into queue 0's TX ring, as a hostile frontend would. */
static void put_req(struct queue *q, RING_IDX i, grant_ref_t gref, uint16_t off, uint16_t size,
                    uint16_t flags)
{
    tx_sring(q)->ring[i & (NETIF_TX_RING_SIZE - 1)].req = (netif_tx_request_t){
        .gref = gref, .offset = off, .flags = flags, .id = (uint16_t)i, .size = size};
}

static void put_extra(struct queue *q, RING_IDX i, uint8_t type, uint8_t flags)
{
    netif_extra_info_t e = {
        .type = type, .flags = flags, .u.gso = {.size = 1400, .type = XEN_NETIF_GSO_TYPE_TCPV4}};

    memcpy(&tx_sring(q)->ring[i & (NETIF_TX_RING_SIZE - 1)].req, &e, sizeof(e));
}

static void publish(struct queue *q, RING_IDX prod)
{
    __atomic_store_n(&tx_sring(q)->req_prod, prod, __ATOMIC_RELEASE);
}

#define R0 REF_BASE

static void bad_index(struct queue *q)
{
    publish(q, NETIF_TX_RING_SIZE + 1);
}

static void index_backwards(struct queue *q)
{
    publish(q, (RING_IDX)-3);
}

static void slot_flood(struct queue *q)
{
    for (RING_IDX i = 0; i < NETIF_TX_RING_SIZE; i++)
        put_req(q, i, R0, 0, i == 0 ? 60000 : 10, NETTXF_more_data);
    publish(q, NETIF_TX_RING_SIZE);
}

static void too_many_slots(struct queue *q)
{
    for (RING_IDX i = 0; i < NETIF_MAX_SLOTS + 1; i++)
        put_req(q, i, R0, 0, i == 0 ? 1900 : 100, i < NETIF_MAX_SLOTS ? NETTXF_more_data : 0);
    publish(q, NETIF_MAX_SLOTS + 1);
}

static void past_producer(struct queue *q)
{
    put_req(q, 0, R0, 0, 200, NETTXF_more_data);
    put_req(q, 1, R0, 0, 100, NETTXF_more_data);
    publish(q, 2);
}

static void oversize(struct queue *q)
{
    put_req(q, 0, R0, 0, 100, NETTXF_more_data);
    put_req(q, 1, R0, 0, 200, 0);
    publish(q, 2);
}

static void first_crosses_page(struct queue *q)
{
    put_req(q, 0, R0, 4000, 200, 0);
    publish(q, 1);
}

static void later_crosses_page(struct queue *q)
{
    put_req(q, 0, R0, 0, 3000, NETTXF_more_data);
    put_req(q, 1, R0, 3000, 1500, 0);
    publish(q, 2);
}

static void unknown_extra(struct queue *q)
{
    put_req(q, 0, R0, 0, 100, NETTXF_extra_info);
    put_extra(q, 1, 9, 0);
    publish(q, 2);
}

static void extra_type_none(struct queue *q)
{
    put_req(q, 0, R0, 0, 100, NETTXF_extra_info);
    put_extra(q, 1, XEN_NETIF_EXTRA_TYPE_NONE, 0);
    publish(q, 2);
}

static void duplicate_extra(struct queue *q)
{
    put_req(q, 0, R0, 0, 100, NETTXF_extra_info);
    put_extra(q, 1, XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE);
    put_extra(q, 2, XEN_NETIF_EXTRA_TYPE_GSO, 0);
    publish(q, 3);
}

static void unterminated_extras(struct queue *q)
{
    put_req(q, 0, R0, 0, 100, NETTXF_extra_info);
    put_extra(q, 1, XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE);
    put_extra(q, 2, XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_FLAG_MORE);
    publish(q, 3);
}

static void bad_gso(struct queue *q)
{
    netif_extra_info_t e = {.type = XEN_NETIF_EXTRA_TYPE_GSO, .u.gso = {.size = 0, .type = 1}};

    put_req(q, 0, R0, 0, 100, NETTXF_extra_info);
    memcpy(&tx_sring(q)->ring[1].req, &e, sizeof(e));
    publish(q, 2);
}

static void bad_ref(struct queue *q)
{
    put_req(q, 0, 9999, 0, 100, 0);
    publish(q, 1);
}

struct bad_case {
    const char *name;
    void (*write)(struct queue *q);
    const char *reason; /* substring of the disconnect reason */
};

static const struct bad_case bad_cases[] = {
    {"producer a ring ahead", bad_index, "more than a ring ahead"},
    {"producer moved back", index_backwards, "more than a ring ahead"},
    {"slot flood", slot_flood, "too many slots"},
    {"19 slots", too_many_slots, "too many slots"},
    {"packet past producer", past_producer, "past the producer"},
    {"slots over frame size", oversize, "larger than the frame"},
    {"first slot crosses page", first_crosses_page, "crosses its page"},
    {"later slot crosses page", later_crosses_page, "crosses its page"},
    {"unknown extra type", unknown_extra, "unknown type"},
    {"extra type none", extra_type_none, "unknown type"},
    {"duplicate extra", duplicate_extra, "repeated"},
    {"unterminated extras", unterminated_extras, "not terminated"},
    {"GSO size 0", bad_gso, "segment size 0"},
    {"bad grant ref", bad_ref, "bad grant"},
};

/* The other queue still moves frames both ways. */
static void check_bystander(struct queue *q)
{
    static uint8_t frame[100], out[65536];
    struct netback_packet pkt;
    struct virtio_net_hdr vh;

    fill(frame, sizeof(frame), 9);
    tx_one(q, NULL, frame, sizeof(frame), &pkt, out);
    rx_one(q, NULL, frame, sizeof(frame), &vh, out);
    assert_null(netback_error(q->back));
    assert_int_equal(q->disconnects, 0);
}

static void test_malformed_requests(void **state)
{
    static uint8_t out[65536];

    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct harness *h;
        struct netback_packet pkt;
        int rc;

        setup(state);
        h = *state;
        c->write(&h->q[0]);
        rc = netback_tx_next(h->q[0].back, &pkt);
        if (rc == 1)
            rc = netback_tx_copy(h->q[0].back, &pkt, out, sizeof(out));
        if (rc != -ENOTCONN || !h->q[0].reason || !strstr(h->q[0].reason, c->reason))
            fail_msg("%s: rc %d, reason %s", c->name, rc, h->q[0].reason ? h->q[0].reason : "-");
        assert_int_equal(h->q[0].disconnects, 1);
        /* Disconnected for good, and nothing more happens on that queue. */
        assert_int_equal(netback_tx_next(h->q[0].back, &pkt), -ENOTCONN);
        assert_int_equal(netback_rx_put(h->q[0].back, out, 64, NULL, NULL), -ENOTCONN);
        assert_int_equal(h->q[0].disconnects, 1);
        check_bystander(&h->q[1]);
        teardown(state);
    }
}

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* A random request or extra: mostly sound, now and then at or past a limit. */
static void put_random(struct queue *q, RING_IDX i, uint32_t *seed)
{
    uint32_t r = xorshift(seed);
    uint32_t x = xorshift(seed);

    if (r % 8 == 0) {
        put_extra(q, i, (uint8_t)(r & 0x700 ? 1 + x % 4 : x % 7), (uint8_t)(r >> 4 & 1));
        return;
    }
    put_req(q, i, r & 0x800 ? REF_BASE + x % NREF : REF_BASE - 2 + x % (NREF + 4),
            (uint16_t)(r & 0x3000 ? 0 : x % 4200),
            (uint16_t)(r & 0xc000 ? 14 + xorshift(seed) % 2000 : xorshift(seed) % 70000),
            (uint16_t)((r >> 16 & 7) | (r >> 19 & 3 ? 0 : NETTXF_extra_info)));
}

/* What every packet netback hands out satisfies, whatever the ring held. */
static void check_packet(const struct netback_packet *pkt)
{
    uint32_t sum = 0;

    assert_in_range(pkt->nr_segs, 1, NETIF_MAX_SLOTS);
    assert_in_range(pkt->nr_extras, 0, NETIF_MAX_EXTRAS);
    for (unsigned int i = 0; i < pkt->nr_segs; i++) {
        assert_true((uint32_t)pkt->seg[i].offset + pkt->seg[i].len <= NETIF_PAGE_SIZE);
        sum += pkt->seg[i].len;
    }
    assert_int_equal(sum, pkt->len);
    assert_true(pkt->len >= NETIF_MIN_FRAME ||
                pkt->extra[XEN_NETIF_EXTRA_TYPE_MCAST_ADD - 1].type ||
                pkt->extra[XEN_NETIF_EXTRA_TYPE_MCAST_DEL - 1].type);
}

/* Random rings: the backend either hands out sound packets or disconnects
 * with a reason, and never reads or writes out of bounds (ASan, valgrind). */
static void test_random_frontend(void **state)
{
    static uint8_t out[65536];
    uint32_t seed = 0x5eed1234;

    for (int iter = 0; iter < 400; iter++) {
        struct harness *h;
        struct netback_packet pkt;
        RING_IDX n = xorshift(&seed) % 48;
        int rc;

        setup(state);
        h = *state;
        for (RING_IDX i = 0; i < n; i++)
            put_random(&h->q[0], i, &seed);
        publish(&h->q[0], xorshift(&seed) % 16 == 0 ? xorshift(&seed) : n);
        while ((rc = netback_tx_next(h->q[0].back, &pkt)) == 1) {
            check_packet(&pkt);
            rc = netback_tx_copy(h->q[0].back, &pkt, out, sizeof(out));
            assert_true(rc == (int)pkt.len || rc == -ENOTCONN);
            netback_tx_done(h->q[0].back, &pkt, NETIF_RSP_OKAY);
        }
        netback_tx_flush(h->q[0].back);
        assert_true(rc == 0 || (rc == -ENOTCONN && h->q[0].disconnects == 1 && h->q[0].reason));
        teardown(state);
    }
}

/* Too short for Ethernet: answered with an error, the queue stays up. */
static void test_short_frame_dropped(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];
    struct netback_packet pkt;
    netif_tx_response_t rsp;

    put_req(q, 0, R0, 0, 10, 0);
    publish(q, 1);
    assert_int_equal(netback_tx_next(q->back, &pkt), 0);
    netback_tx_flush(q->back);
    rsp = tx_sring(q)->ring[0].rsp;
    assert_int_equal(rsp.id, 0);
    assert_int_equal(rsp.status, NETIF_RSP_ERROR);
    assert_null(netback_error(q->back));
}

/* A frontend posting a buffer it never granted loses the queue on RX too,
 * and so does one whose RX producer runs a ring ahead. */
static void test_rx_malformed(void **state)
{
    struct harness *h = *state;
    static uint8_t frame[64];
    netif_rx_sring_t *rx = rx_sring(&h->q[0]);

    fill(frame, sizeof(frame), 2);
    rx->ring[0].req = (netif_rx_request_t){.id = 0, .gref = 7};
    __atomic_store_n(&rx->req_prod, 1, __ATOMIC_RELEASE);
    assert_int_equal(netback_rx_put(h->q[0].back, frame, sizeof(frame), NULL, NULL), -ENOTCONN);
    assert_non_null(strstr(netback_error(h->q[0].back), "bad grant"));
    check_bystander(&h->q[1]);
    teardown(state);
    setup(state);
    h = *state;
    __atomic_store_n(&rx_sring(&h->q[0])->req_prod, NETIF_RX_RING_SIZE + 1, __ATOMIC_RELEASE);
    assert_int_equal(netback_rx_put(h->q[0].back, frame, sizeof(frame), NULL, NULL), -ENOTCONN);
    assert_non_null(strstr(netback_error(h->q[0].back), "more than a ring ahead"));
    check_bystander(&h->q[1]);
}

static size_t iov_gather(const struct iovec *iov, unsigned int n, uint8_t *out)
{
    size_t len = 0;

    for (unsigned int i = 0; i < n; i++) {
        memcpy(out + len, iov[i].iov_base, iov[i].iov_len);
        len += iov[i].iov_len;
    }
    return len;
}

/* Frames read in place: the bytes and the virtio header of the copying
 * receive, also when the backend cut the headers over two slots. */
static void test_rx_in_place(void **state)
{
    struct harness *h = *state;
    struct queue *q = &h->q[0];
    static uint8_t frame[9000], out[9000];
    const struct netif_offload o = {
        .csum_blank = true, .gso_type = XEN_NETIF_GSO_TYPE_TCPV4, .gso_size = 1448};
    struct iovec iov[NETIF_MAX_SLOTS];
    struct virtio_net_hdr vh;
    unsigned int n;
    uint8_t *rx_pages;
    netif_rx_sring_t *rx;

    ip_frame(frame, sizeof(frame), 4, IPPROTO_TCP);
    assert_int_equal(netfront_rx_refill(q->front), NBUF);
    assert_int_equal(netback_rx_put(q->back, frame, sizeof(frame), &o, NULL), 0);
    netback_rx_flush(q->back);
    assert_int_equal(netfront_rx_recv_iov(q->front, &vh, iov, &n, sizeof(frame)),
                     (int)sizeof(frame));
    assert_int_equal(n, 3);
    assert_int_equal(iov_gather(iov, n, out), sizeof(frame));
    assert_memory_equal(out, frame, sizeof(frame));
    assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
    assert_int_equal(le16toh(vh.csum_start), 34);
    assert_int_equal(netfront_rx_recv_iov(q->front, &vh, iov, &n, sizeof(frame)), 0);
    /* Longer than the caller takes: dropped. */
    assert_int_equal(netback_rx_put(q->back, frame, sizeof(frame), &o, NULL), 0);
    netback_rx_flush(q->back);
    assert_int_equal(netfront_rx_recv_iov(q->front, &vh, iov, &n, sizeof(frame) - 1), -EMSGSIZE);

    /* A backend putting 20 bytes of a 120-byte TCP frame in its first slot. */
    q = &h->q[1];
    rx = rx_sring(q);
    rx_pages = q->mem + (2 + NBUF) * NETIF_PAGE_SIZE;
    ip_frame(frame, 120, 4, IPPROTO_TCP);
    assert_int_equal(netfront_rx_refill(q->front), NBUF);
    memcpy(rx_pages, frame, 20);
    memcpy(rx_pages + NETIF_PAGE_SIZE, frame + 20, 100);
    rx->ring[0].rsp =
        (netif_rx_response_t){.id = 0, .flags = NETRXF_csum_blank | NETRXF_more_data, .status = 20};
    rx->ring[1].rsp = (netif_rx_response_t){.id = 1, .status = 100};
    __atomic_store_n(&rx->rsp_prod, 2, __ATOMIC_RELEASE);
    assert_int_equal(netfront_rx_recv_iov(q->front, &vh, iov, &n, 120), 120);
    assert_int_equal(n, 2);
    assert_int_equal(iov_gather(iov, n, out), 120);
    assert_memory_equal(out, frame, 120);
    assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    assert_int_equal(le16toh(vh.csum_start), 34);
    assert_int_equal(le16toh(vh.csum_offset), 16);
}

/* Headers longer than netfront's header view, cut over two slots: an IPv6
 * TCP frame behind 320 bytes of destination options, 20 bytes of it in the
 * first slot, keeps its checksum offsets. */
static void test_rx_long_split_headers(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];
    netif_rx_sring_t *rx = rx_sring(q);
    uint8_t *rx_pages = q->mem + (2 + NBUF) * NETIF_PAGE_SIZE;
    static uint8_t frame[600], out[600];
    struct iovec iov[NETIF_MAX_SLOTS];
    struct virtio_net_hdr vh;
    unsigned int n;

    ip_frame(frame, sizeof(frame), 6, IPPROTO_DSTOPTS);
    frame[54] = IPPROTO_TCP;
    frame[55] = 320 / 8 - 1;
    frame[54 + 320 + 12] = 0x50;
    assert_int_equal(netfront_rx_refill(q->front), NBUF);
    memcpy(rx_pages, frame, 20);
    memcpy(rx_pages + NETIF_PAGE_SIZE, frame + 20, sizeof(frame) - 20);
    rx->ring[0].rsp =
        (netif_rx_response_t){.id = 0, .flags = NETRXF_csum_blank | NETRXF_more_data, .status = 20};
    rx->ring[1].rsp = (netif_rx_response_t){.id = 1, .status = sizeof(frame) - 20};
    __atomic_store_n(&rx->rsp_prod, 2, __ATOMIC_RELEASE);
    assert_int_equal(netfront_rx_recv_iov(q->front, &vh, iov, &n, sizeof(frame)),
                     (int)sizeof(frame));
    assert_int_equal(iov_gather(iov, n, out), sizeof(frame));
    assert_memory_equal(out, frame, sizeof(frame));
    assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    assert_int_equal(le16toh(vh.csum_start), 54 + 320);
    assert_int_equal(le16toh(vh.csum_offset), 16);
}

/* The frontend does not trust the backend either. */
static void test_front_rejects_bad_responses(void **state)
{
    struct queue *q = &((struct harness *)*state)->q[0];
    static uint8_t out[65536];
    struct virtio_net_hdr vh;

    assert_int_equal(netfront_rx_refill(q->front), NBUF);
    rx_sring(q)->ring[0].rsp = (netif_rx_response_t){.id = 0, .offset = 4000, .status = 200};
    __atomic_store_n(&rx_sring(q)->rsp_prod, 1, __ATOMIC_RELEASE);
    assert_int_equal(netfront_rx_recv(q->front, &vh, out, sizeof(out)), -EPROTO);
    assert_int_equal(netfront_tx_send(q->front, NULL, out, 64), -EPROTO);
    q = &((struct harness *)*state)->q[1];
    /* A TX response for a buffer never sent. */
    tx_sring(q)->ring[0].rsp = (netif_tx_response_t){.id = 3, .status = NETIF_RSP_OKAY};
    __atomic_store_n(&tx_sring(q)->rsp_prod, 1, __ATOMIC_RELEASE);
    assert_int_equal(netfront_tx_reap(q->front), -EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_small_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multi_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_borrowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_borrowed_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gso_tcpv4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gso_tcpv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gso_not_negotiated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csum_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_full_and_suppression, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_wake_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_wake_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_polled_no_notifications, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_order_completion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_waits_for_buffers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ref_recycling, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_hash_extra, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peek, setup, teardown),
        cmocka_unit_test(test_malformed_requests),
        cmocka_unit_test(test_random_frontend),
        cmocka_unit_test_setup_teardown(test_short_frame_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_long_split_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_front_rejects_bad_responses, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
