/*
 * libFuzzer target: the netback core and its control ring against a hostile
 * frontend.  The input is a script: each step either writes bytes anywhere in
 * the shared TX, RX or control ring page (indices, requests, rsp_event: all
 * of it is the frontend's to scribble on, at any moment, including between
 * two reads of the backend) or runs one backend verb.  Checks: no access
 * outside the rings and the granted pages (ASan), every verb answers within
 * its documented set, a frame copied out fits the buffer, and a
 * queue that disconnected stays disconnected.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sv/netback.h"
#include "sv/netback_ctrl.h"
#include "fuzz_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The frontend granted refs 0 .. GRANTED-1; any other ref is refused. */
#define GRANTED 8

struct harness {
    _Alignas(4096) uint8_t tx_page[NETIF_PAGE_SIZE];
    _Alignas(4096) uint8_t rx_page[NETIF_PAGE_SIZE];
    _Alignas(4096) uint8_t ctrl_page[NETIF_PAGE_SIZE];
    _Alignas(4096) uint8_t granted[GRANTED][NETIF_PAGE_SIZE];
    uint8_t frame[XEN_NETIF_MAX_TX_SIZE + 1];
    bool disconnected;
};

static struct harness h;

static int copy_from(void *ctx, grant_ref_t ref, uint16_t offset, void *dst, uint16_t len)
{
    (void)ctx;
    if (ref >= GRANTED)
        return -EPERM;
    FUZZ_EXPECT((size_t)offset + len <= NETIF_PAGE_SIZE); /* the core's promise */
    memcpy(dst, h.granted[ref] + offset, len);
    return 0;
}

static int copy_to(void *ctx, grant_ref_t ref, uint16_t offset, const void *src, uint16_t len)
{
    (void)ctx;
    if (ref >= GRANTED)
        return -EPERM;
    FUZZ_EXPECT((size_t)offset + len <= NETIF_PAGE_SIZE);
    memcpy(h.granted[ref] + offset, src, len);
    return 0;
}

static void notify(void *ctx, enum netback_event ev)
{
    (void)ctx;
    (void)ev;
}

static void ctrl_notify(void *ctx)
{
    (void)ctx;
}

static void disconnect(void *ctx, const char *reason)
{
    (void)ctx;
    FUZZ_EXPECT(reason && !h.disconnected); /* once, with a reason */
    h.disconnected = true;
}

static void tx_drain(struct netback_queue *q, struct fuzz_script *s)
{
    struct netback_packet pkt;
    struct netif_offload o;
    int rc, len;

    /* A ring's worth and a little more: a frontend that refills the ring
     * while the backend reads it must not keep it here forever. */
    for (unsigned int n = 0; n < 2 * NETIF_TX_RING_SIZE; n++) {
        rc = netback_tx_next(q, &pkt);
        FUZZ_EXPECT(rc == 1 || rc == 0 || rc == -ENOTCONN);
        if (rc != 1)
            return;
        FUZZ_EXPECT(pkt.nr_segs >= 1 && pkt.nr_segs <= NETIF_MAX_SLOTS);
        netback_tx_offload(&pkt, &o);
        len = netback_tx_copy(q, &pkt, h.frame, fuzz_script_u16(s) % sizeof(h.frame));
        FUZZ_EXPECT(len == -EMSGSIZE || len == -ENOTCONN ||
                    (len >= 0 && (size_t)len < sizeof(h.frame)));
        netback_tx_done(q, &pkt, len > 0 ? NETIF_RSP_OKAY : NETIF_RSP_ERROR);
        fuzz_script_scribble(s, h.tx_page, sizeof(h.tx_page));
    }
}

static void rx_put(struct netback_queue *q, struct fuzz_script *s)
{
    struct netif_offload o = {
        .csum_blank = fuzz_script_u8(s) & 1,
        .data_validated = fuzz_script_u8(s) & 1,
        .gso_type = fuzz_script_u8(s) % 4,
        .gso_size = fuzz_script_u16(s),
    };
    size_t len = fuzz_script_u16(s) % sizeof(h.frame);
    netif_extra_info_t hash = {.type = XEN_NETIF_EXTRA_TYPE_HASH};
    int rc;

    fuzz_script_fill(s, h.frame, len < 128 ? len : 128);
    rc = netback_rx_put(q, h.frame, len, &o, fuzz_script_u8(s) & 1 ? &hash : NULL);
    FUZZ_EXPECT(rc == 0 || rc == -EAGAIN || rc == -EMSGSIZE || rc == -EOPNOTSUPP ||
                rc == -ENOTCONN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_script s = {.data = data, .size = size};
    const struct netback_ops ops = {copy_from, copy_to, notify, disconnect};
    const struct netback_ctrl_ops ctrl_ops = {copy_from, ctrl_notify, NULL};
    struct netif_features f;
    struct netback_queue *q;
    struct netback_ctrl *c;
    netif_extra_info_t hash;
    int rc;

    memset(&h, 0, sizeof(h));
    SHARED_RING_INIT((netif_tx_sring_t *)h.tx_page);
    SHARED_RING_INIT((netif_rx_sring_t *)h.rx_page);
    SHARED_RING_INIT((xen_netif_ctrl_sring_t *)h.ctrl_page);
    q = netback_queue_new((netif_tx_sring_t *)h.tx_page, (netif_rx_sring_t *)h.rx_page, &ops, NULL);
    c = netback_ctrl_new((xen_netif_ctrl_sring_t *)h.ctrl_page, 1 + fuzz_script_u8(&s) % 8,
                         &ctrl_ops, NULL);
    if (!q || !c)
        abort();
    while (fuzz_script_left(&s)) {
        switch (fuzz_script_u8(&s) % 8) {
        case 0:
            fuzz_script_scribble(&s, h.tx_page, sizeof(h.tx_page));
            break;
        case 1:
            fuzz_script_scribble(&s, h.rx_page, sizeof(h.rx_page));
            break;
        case 2:
            fuzz_script_scribble(&s, h.ctrl_page, sizeof(h.ctrl_page));
            break;
        case 3:
            tx_drain(q, &s);
            netback_tx_flush(q);
            break;
        case 4:
            rx_put(q, &s);
            netback_rx_flush(q);
            break;
        case 5: {
            unsigned budget = 1 + fuzz_script_u8(&s) % 64;

            rc = netback_ctrl_process(c, budget);
            FUZZ_EXPECT((rc >= 0 && (unsigned)rc <= budget) || rc == -ENOTCONN);
            break;
        }
        case 6:
            fuzz_script_fill(&s, h.frame, 128);
            netback_ctrl_select_queue(c, h.frame, fuzz_script_u8(&s) % 128, &hash);
            break;
        case 7:
            f = (struct netif_features){.sg = fuzz_script_u8(&s) & 1,
                                        .gso_tcpv4 = fuzz_script_u8(&s) & 1,
                                        .gso_tcpv6 = fuzz_script_u8(&s) & 1,
                                        .csum_ipv4 = fuzz_script_u8(&s) & 1,
                                        .csum_ipv6 = fuzz_script_u8(&s) & 1};
            netback_set_rx_features(q, &f, fuzz_script_u8(&s) & 1);
            break;
        }
        /* Disconnected is for good: every verb says so from then on. */
        FUZZ_EXPECT(h.disconnected == (netback_error(q) != NULL));
    }
    netback_ctrl_free(c);
    netback_queue_free(q);
    return 0;
}
