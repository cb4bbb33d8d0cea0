/*
 * netback core: one queue of a Xen netif backend over a mapped TX/RX shared
 * ring pair (back rings), as pure logic.  No xenstore, no event channel, no
 * grant hypercall: data moves through the caller's copy callbacks (grant
 * copy, or sv/gntcache.h's persistent mappings) and notifications go out
 * through its notify callback.  docs/networking.md describes the protocol.
 *
 * Everything the frontend writes is untrusted.  A queue that sees a malformed
 * request (see docs/networking.md, "What disconnects") stops for good: the
 * disconnect callback runs once with the reason, and every verb returns
 * -ENOTCONN from then on.  The caller then closes the whole vif; other
 * queues are not touched by the core.
 *
 * Threading: a queue is used by one thread at a time; its TX and RX halves
 * touch disjoint rings but share the disconnect state, so keep them on one
 * thread (or lock around the verbs).
 */
#ifndef SV_NETBACK_H
#define SV_NETBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/abi/netif_abi.h"
#include "sv/netif_offload.h"

struct netback_queue;

enum netback_event {
    NETBACK_EVENT_TX, /* responses on the TX ring */
    NETBACK_EVENT_RX, /* responses on the RX ring */
};

struct netback_ops {
    /* Copy len bytes at offset of the frontend's granted page ref into dst
     * (TX data) / src into it (RX data).  offset + len <= NETIF_PAGE_SIZE is
     * guaranteed.  0, or a negative errno when ref is not a grant the
     * frontend may use: that disconnects the queue. */
    int (*copy_from_grant)(void *ctx, grant_ref_t ref, uint16_t offset, void *dst, uint16_t len);
    int (*copy_to_grant)(void *ctx, grant_ref_t ref, uint16_t offset, const void *src,
                         uint16_t len);
    /* Kick the frontend for ev (one event channel, or split ones). */
    void (*notify)(void *ctx, enum netback_event ev);
    /* Optional: the queue just disconnected, reason is a static string. */
    void (*disconnect)(void *ctx, const char *reason);
};

/* One data slot of a TX packet: where the frontend's bytes are. */
struct netback_seg {
    grant_ref_t gref;
    uint16_t offset;
    uint16_t len;
    uint16_t id; /* request id, echoed in the response */
};

/* One validated TX packet.  Fill by netback_tx_next(); answer with
 * netback_tx_done() exactly once (answering twice would write responses
 * over requests not yet consumed).  A packet with a MCAST_ADD/MCAST_DEL
 * extra is a multicast filter update (feature-multicast-control), not a
 * frame to forward: apply it and answer NETIF_RSP_OKAY. */
struct netback_packet {
    uint32_t len;      /* frame length (the first slot's size) */
    uint16_t flags;    /* NETTXF_csum_blank | NETTXF_data_validated */
    uint8_t nr_segs;   /* 1 .. NETIF_MAX_SLOTS */
    uint8_t nr_extras; /* extra-info slots (they get NETIF_RSP_NULL) */
    struct netback_seg seg[NETIF_MAX_SLOTS];
    /* Extras by type - 1 (XEN_NETIF_EXTRA_TYPE_GSO - 1, ...); .type is 0
     * when the packet has none of that type. */
    netif_extra_info_t extra[NETIF_MAX_EXTRAS];
};

/* A queue over tx/rx, shared rings the frontend initialised (SHARED_RING_INIT)
 * and the caller mapped; both must stay mapped until netback_queue_free().
 * ops is copied; ctx is passed to every callback.  NULL with errno on
 * allocation failure.  Free with netback_queue_free(). */
struct netback_queue *netback_queue_new(netif_tx_sring_t *tx, netif_rx_sring_t *rx,
                                        const struct netback_ops *ops, void *ctx);
void netback_queue_free(struct netback_queue *q);

/* What the frontend accepts on RX, from its feature-* keys (all off until
 * set); hash: it turned hashing on over the ctrl ring, so RX frames may
 * carry a XEN_NETIF_EXTRA_TYPE_HASH extra. */
void netback_set_rx_features(struct netback_queue *q, const struct netif_features *f, bool hash);

/* NULL while connected, else why the queue disconnected. */
const char *netback_error(const struct netback_queue *q);

/* TX: the next valid packet into *pkt.  1: a packet; 0: the ring is empty
 * and req_event is armed (the frontend will notify on its next request);
 * -ENOTCONN: disconnected.  Frames shorter than an Ethernet header are
 * answered NETIF_RSP_ERROR here (published by the next netback_tx_flush())
 * and skipped, as Linux netback does. */
int netback_tx_next(struct netback_queue *q, struct netback_packet *pkt);

/* Copy pkt's bytes into dst (cap bytes).  The frame length, -EMSGSIZE when
 * cap is short, -ENOTCONN when a copy failed (the queue is then disconnected). */
int netback_tx_copy(struct netback_queue *q, const struct netback_packet *pkt, void *dst,
                    size_t cap);

/* The packet's offload metadata (checksum flags, GSO extra). */
void netback_tx_offload(const struct netback_packet *pkt, struct netif_offload *o);

/* Queue the responses of pkt: status (NETIF_RSP_OKAY/ERROR/DROPPED) for
 * each data slot, NETIF_RSP_NULL for each extra.  Visible to the frontend
 * after netback_tx_flush(). */
void netback_tx_done(struct netback_queue *q, const struct netback_packet *pkt, int16_t status);

/* Publish queued TX responses; notify the frontend if it asked (rsp_event). */
void netback_tx_flush(struct netback_queue *q);

/* RX: deliver frame (len bytes, o its offloads, NULL for none; hash the
 * extra netback_ctrl_select_queue() gave, sent when the frontend turned
 * hashing on and hash->type is XEN_NETIF_EXTRA_TYPE_HASH, NULL for none) into the
 * frontend's posted RX buffers: one response per slot, extras after the
 * first.  0: queued (publish with netback_rx_flush()); -EAGAIN: not enough
 * posted buffers yet (req_event is armed, retry after the frontend's
 * notification); -EMSGSIZE / -EOPNOTSUPP: this frontend does not take the frame
 * (netif_offload_allowed() says why); -ENOTCONN: disconnected. */
int netback_rx_put(struct netback_queue *q, const void *frame, size_t len,
                   const struct netif_offload *o, const netif_extra_info_t *hash);

/* Publish queued RX responses; notify the frontend if it asked. */
void netback_rx_flush(struct netback_queue *q);

/* The frontend's RX request producer as it reads now (untrusted: only for
 * telling whether the frontend posted buffers since the last look). */
RING_IDX netback_rx_posted(const struct netback_queue *q);

/*
 * Peeking ahead, for mapping the grants of what the frontend queued in one
 * batch before the requests are taken one by one.  What they return is
 * read from the shared ring unchecked: a hint, never a request (the calls
 * above check what they take).  *from is where the last peek of this ring
 * stopped (any value at first: one outside the requests not taken yet
 * starts at the oldest of them); each peek goes on from there and moves
 * it, so a request is seen once.
 */
struct netback_peek {
    grant_ref_t gref;
    uint32_t pkt_len; /* the size of the packet the slot belongs to */
};
/* The data slots of whole TX packets queued, at most max. */
unsigned netback_tx_peek(const struct netback_queue *q, RING_IDX *from, struct netback_peek *out,
                         unsigned max);
/* The grants of RX buffers posted, at most max. */
unsigned netback_rx_peek(const struct netback_queue *q, RING_IDX *from, grant_ref_t *refs,
                         unsigned max);

#endif
