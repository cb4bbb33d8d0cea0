/*
 * libFuzzer target: the netfront core against a hostile backend.  The input
 * is a script: each step writes bytes anywhere in the shared TX or RX ring
 * page or in a posted RX buffer (all the backend's to write, at any time), or
 * runs one frontend verb.  Checks: no access outside the rings and the pools
 * (ASan), every verb answers within its documented set, a received frame
 * never exceeds the caller's buffer, and a broken queue stays broken.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sv/netfront.h"
#include "fuzz_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define POOL 32

struct harness {
    _Alignas(4096) uint8_t tx_page[NETIF_PAGE_SIZE];
    _Alignas(4096) uint8_t rx_page[NETIF_PAGE_SIZE];
    _Alignas(4096) uint8_t tx_pool[POOL][NETIF_PAGE_SIZE];
    _Alignas(4096) uint8_t rx_pool[POOL][NETIF_PAGE_SIZE];
    uint8_t frame[XEN_NETIF_MAX_TX_SIZE + 1];
    grant_ref_t refs[2 * POOL];
};

static struct harness h;

static void notify(void *ctx, enum netfront_event ev)
{
    (void)ctx;
    (void)ev;
}

/* -EPROTO is for good: once a verb said it, the queue keeps saying it. */
static bool broken;

static int check_broken(int rc)
{
    if (broken)
        FUZZ_EXPECT(rc == -EPROTO);
    broken = rc == -EPROTO;
    return rc;
}

static void tx_send(struct netfront *f, struct fuzz_script *s)
{
    struct virtio_net_hdr vh = {
        .flags = fuzz_script_u8(s) & VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = fuzz_script_u8(s) % 5,
        .hdr_len = fuzz_script_u16(s),
        .gso_size = fuzz_script_u16(s),
        .csum_start = fuzz_script_u16(s),
        .csum_offset = fuzz_script_u16(s),
    };
    size_t len = fuzz_script_u16(s) % sizeof(h.frame);
    int rc;

    fuzz_script_fill(s, h.frame, len < 128 ? len : 128);
    rc = check_broken(netfront_tx_send(f, &vh, h.frame, len));
    FUZZ_EXPECT(rc == 0 || rc == -EAGAIN || rc == -EMSGSIZE || rc == -EOPNOTSUPP || rc == -EINVAL ||
                rc == -EPROTO);
}

static void rx_recv(struct netfront *f, struct fuzz_script *s)
{
    struct virtio_net_hdr vh;
    struct iovec iov[NETIF_MAX_SLOTS];
    unsigned int niov = NETIF_MAX_SLOTS;
    size_t cap = fuzz_script_u16(s) % sizeof(h.frame);
    size_t total = 0;
    int rc;

    if (fuzz_script_u8(s) & 1) {
        rc = check_broken(netfront_rx_recv(f, &vh, h.frame, cap));
    } else {
        rc = check_broken(netfront_rx_recv_iov(f, &vh, iov, &niov, cap));
        if (rc > 0) {
            FUZZ_EXPECT(niov >= 1 && niov <= NETIF_MAX_SLOTS);
            for (unsigned int i = 0; i < niov; i++) {
                /* Every byte handed out lies in the RX pool. */
                FUZZ_EXPECT((uint8_t *)iov[i].iov_base >= h.rx_pool[0] &&
                            (uint8_t *)iov[i].iov_base + iov[i].iov_len <=
                                h.rx_pool[POOL - 1] + NETIF_PAGE_SIZE);
                total += iov[i].iov_len;
            }
            FUZZ_EXPECT(total == (size_t)rc);
        }
    }
    FUZZ_EXPECT(rc == -EMSGSIZE || rc == -EIO || rc == -EBADMSG || rc == -ENOMEM || rc == -EPROTO ||
                (rc >= 0 && (size_t)rc <= cap));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_script s = {.data = data, .size = size};
    struct netfront_config cfg;
    struct netfront *f;
    int rc;

    memset(&h, 0, sizeof(h));
    broken = false;
    for (unsigned int i = 0; i < 2 * POOL; i++)
        h.refs[i] = 8 + i;
    cfg = (struct netfront_config){
        .tx_sring = (netif_tx_sring_t *)h.tx_page,
        .rx_sring = (netif_rx_sring_t *)h.rx_page,
        .tx = {.pages = h.tx_pool, .refs = h.refs, .nr = POOL},
        .rx = {.pages = h.rx_pool, .refs = h.refs + POOL, .nr = POOL},
        .peer = {.sg = true,
                 .gso_tcpv4 = true,
                 .gso_tcpv6 = true,
                 .csum_ipv4 = true,
                 .csum_ipv6 = true},
        .notify = notify,
    };
    f = netfront_new(&cfg);
    if (!f)
        abort();
    netfront_set_polled(f, fuzz_script_u8(&s) & 1);
    while (fuzz_script_left(&s)) {
        switch (fuzz_script_u8(&s) % 7) {
        case 0:
            fuzz_script_scribble(&s, h.tx_page, sizeof(h.tx_page));
            break;
        case 1:
            fuzz_script_scribble(&s, h.rx_page, sizeof(h.rx_page));
            break;
        case 2:
            fuzz_script_scribble(&s, h.rx_pool[fuzz_script_u8(&s) % POOL], NETIF_PAGE_SIZE);
            break;
        case 3:
            tx_send(f, &s);
            netfront_tx_flush(f);
            break;
        case 4:
            rc = check_broken(netfront_tx_reap(f));
            FUZZ_EXPECT(rc >= 0 || rc == -EPROTO);
            break;
        case 5:
            rc = check_broken(netfront_rx_refill(f));
            FUZZ_EXPECT(rc >= 0 || rc == -EPROTO);
            break;
        case 6:
            rx_recv(f, &s);
            break;
        }
    }
    netfront_free(f);
    return 0;
}
