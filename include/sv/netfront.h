/*
 * netfront core: one queue of a Xen netif frontend on its own TX/RX shared
 * rings (front rings), as pure logic.  No xenstore, no event channel: the
 * caller grants the ring pages and the buffer pages, hands their refs in,
 * and gets notifications out through a callback.  docs/networking.md
 * describes the protocol.
 *
 * Buffers: two pools of pages the frontend granted to the backend, one for
 * TX and one for RX.  Their refs are recycled, never re-granted: the same
 * ref always names the same page, so a backend's persistent mappings
 * (sv/gntcache.h) stay valid.  Frames are copied in and out of those pages,
 * or read and written in place (netfront_tx_borrow, netfront_rx_recv_iov).
 *
 * The backend is not trusted either: a response that names a buffer not in
 * flight, an index past what was posted or a slot past its page breaks the
 * queue (every verb then returns -EPROTO).
 *
 * One thread at a time per queue.
 */
#ifndef SV_NETFRONT_H
#define SV_NETFRONT_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "sv/abi/netif_abi.h"
#include "sv/netif_offload.h"

struct netfront;

enum netfront_event {
    NETFRONT_EVENT_TX, /* requests on the TX ring */
    NETFRONT_EVENT_RX, /* buffers posted on the RX ring */
};

struct netfront_pool {
    void *pages;             /* nr contiguous NETIF_PAGE_SIZE pages */
    const grant_ref_t *refs; /* refs[i] grants page i to the backend */
    unsigned int nr;         /* 1 .. 256 (a ring's worth) */
};

struct netfront_config {
    netif_tx_sring_t *tx_sring; /* granted ring pages; netfront_new initialises them */
    netif_rx_sring_t *rx_sring;
    struct netfront_pool tx;    /* read by the backend */
    struct netfront_pool rx;    /* written by the backend */
    struct netif_features peer; /* what the backend takes on TX */
    void (*notify)(void *ctx, enum netfront_event ev);
    void *ctx;
};

struct netfront_stats {
    uint64_t tx_packets, tx_errors; /* completed; of those answered not OKAY */
    uint64_t rx_packets, rx_errors; /* delivered; dropped (error status, bad offload) */
    uint64_t rx_hashed;             /* delivered with a hash extra (ctrl ring hashing) */
};

/* A queue over cfg (copied; the rings and pools must outlive it).  NULL with
 * errno EINVAL (pool sizes) or ENOMEM.  Free with netfront_free(). */
struct netfront *netfront_new(const struct netfront_config *cfg);
void netfront_free(struct netfront *f);

/* Queue one frame (len bytes) with its virtio header (NULL: no offload).
 * 0; -EAGAIN when the ring or the TX buffers are full even after reaping;
 * -EMSGSIZE / -EOPNOTSUPP when the backend does not take the frame
 * (netif_offload_allowed() says why; also -EOPNOTSUPP for virtio offloads
 * netif cannot carry); -EPROTO once broken.  Visible to the backend
 * after netfront_tx_flush(). */
int netfront_tx_send(struct netfront *f, const struct virtio_net_hdr *vh, const void *frame,
                     size_t len);

/* TX pages enough for the largest frame (XEN_NETIF_MAX_TX_SIZE). */
#define NETFRONT_TX_PAGES 16
/* Frames one lending may cover: a ring's pages and slots (256) hold 15 of
 * the largest with their GSO extras. */
#define NETFRONT_TX_BATCH 14

/*
 * The same without a copy in between, for a reader that fills buffers it is
 * given (a packet socket's recvmmsg): netfront_tx_borrow() lends free
 * granted pages for n frames of the largest size, 1 <= n <= max (at most
 * NETFRONT_TX_BATCH), as many as the pool and the ring have room for
 * (reaping once if fewer than max): frame j's pages are
 * iov[j * NETFRONT_TX_PAGES .. + NETFRONT_TX_PAGES), one page each, in frame
 * order.  n; -EAGAIN as netfront_tx_send() when not even one frame has room
 * after reaping; -EBUSY when pages are lent already; -EINVAL max 0.
 * netfront_tx_send_borrowed() queues frame j, read into its pages (len
 * bytes from its first page on; each j once, in rising order; its errors
 * are netfront_tx_send()'s, and -EINVAL for a j not lent or queued already).
 * netfront_tx_unborrow() then takes back every page not queued (what the
 * batch did not fill and the frames refused) and ends the lending.
 */
int netfront_tx_borrow(struct netfront *f, struct iovec *iov, unsigned int max);
int netfront_tx_send_borrowed(struct netfront *f, unsigned int j, const struct virtio_net_hdr *vh,
                              size_t len);
void netfront_tx_unborrow(struct netfront *f);

/* Publish queued requests; notify the backend if it asked (req_event). */
void netfront_tx_flush(struct netfront *f);

/* Take TX responses, recycling their buffers.  The number of packets
 * completed (0 when none; rsp_event is then armed), or -EPROTO. */
int netfront_tx_reap(struct netfront *f);

/* Post every free RX buffer the ring has room for and notify the backend if
 * it asked.  The number posted, or -EPROTO. */
int netfront_rx_refill(struct netfront *f);

/* The next received frame into buf (cap bytes) and *vh.  Its length; 0 when
 * none is complete (rsp_event is then armed); -EMSGSIZE (longer than cap),
 * -EIO (the backend answered an error), -EBADMSG (checksum/GSO flags on a
 * frame without TCP/UDP) or -ENOMEM (no memory to parse headers cut over
 * slots past 256 bytes) when a frame was dropped and the caller should
 * call again; -EPROTO when the backend broke the protocol.  Buffers of the
 * frame go back to the pool; netfront_rx_refill() posts them again. */
int netfront_rx_recv(struct netfront *f, struct virtio_net_hdr *vh, void *buf, size_t cap);

/* As netfront_rx_recv() without the copy: iov[0 .. *niov) (room for
 * NETIF_MAX_SLOTS) are the frame's bytes where the backend wrote them, in
 * the RX pool's pages, readable until the next netfront_rx_refill() (which
 * hands those pages to the backend again).  The backend can still write
 * those pages: what the caller reads there (and *vh, made from them) is
 * only as good as the backend. */
int netfront_rx_recv_iov(struct netfront *f, struct virtio_net_hdr *vh, struct iovec *iov,
                         unsigned int *niov, size_t cap);

/* polled: the caller looks at the rings without being told, so the queue
 * never arms rsp_event and the backend stops notifying it (Xen's event
 * suppression; a busy-polling PMD).  Off by default. */
void netfront_set_polled(struct netfront *f, bool polled);

/* Ask the backend to notify TX completions only after n responses (or the
 * last one in flight when fewer are): fewer wake-ups for a sender that
 * keeps the ring full (DPDK's tx_free_thresh).  1 by default, as Linux
 * netfront. */
void netfront_set_tx_wake_after(struct netfront *f, unsigned int n);

/* Whether the TX completions a notification would have announced (as
 * netfront_set_tx_wake_after() asks) are there, or nothing is in flight:
 * a polled sender reaps and refills in the batches an event-driven one
 * would, instead of a few slots each look. */
bool netfront_tx_wake_due(const struct netfront *f);

void netfront_get_stats(const struct netfront *f, struct netfront_stats *s);

#endif
