/*
 * One vif served by a backend domain: the xenbus backend state machine
 * (InitWait -> Connected -> Closing -> Closed) over backend/vif/F/D, one
 * netback queue per netif queue (multi-queue-num-queues, queue-N/ keys),
 * the control ring (feature-ctrl-ring) when the frontend maps one, and the
 * port the backend host gives it towards the network (for netdd: a VMDq
 * pool of the NIC, one queue pair per netif queue).
 * Everything the frontend writes, in xenstore or on its rings, is untrusted:
 * a malformed frontend closes this vif only.
 */
#ifndef SV_VIF_BACK_H
#define SV_VIF_BACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/event_channel.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

struct vif_back;
struct netif_offload;
struct netif_features;

/* Netif queues a vif may have (multi-queue-max-queues is at most this). */
#define VIF_BACK_MAX_QUEUES 8
/* vif_back_receive() queue argument: pick the queue by the frame's hash
 * (the frontend's ctrl ring configuration, else a built-in key). */
#define VIF_BACK_QUEUE_HASH (~0u)

/* The frontend's RSS configuration, for the host's NIC: frames hashed with
 * key over the XEN_NETIF_CTRL_HASH_TYPE_* types go to queue
 * mapping[hash % size]; types 0 = no hashing asked (spread as you like). */
struct vif_back_hash {
    uint32_t types;
    const uint8_t *key; /* TOEPLITZ_MAX_KEY bytes */
    const uint32_t *mapping;
    unsigned size; /* >= 1; entries < the vif's queues */
};

/* A buffer the host's device reads in place: a device-mapped grant's IOVA. */
struct vif_back_seg {
    uint64_t iova;
    uint16_t len;
};

/* Where a vif's frames go and come from: the backend host's side. */
struct vif_port_ops {
    /* The vif connected with nqueues netif queues: attach it (for netdd,
     * take a pool for mac with a queue pair per netif queue).  0 or -errno;
     * -EINPROGRESS when the host's device takes time (NIC admin commands,
     * never waited for on the loop every vif shares): the host then calls
     * vif_back_attached() once it is done, and the vif stays in InitWait
     * meanwhile.  A detach may come first. */
    int (*attach)(void *host, struct vif_back *v, const uint8_t mac[6], unsigned nqueues);
    /* Stops the port (also one still attaching): 0 when its device reads
     * none of the vif's grants any more, -EINPROGRESS when it will stop
     * later: the host then calls vif_back_detached() once it has (the
     * grants it may read stay mapped, and the vif goes Closed, then). */
    int (*detach)(void *host, struct vif_back *v);
    /* Where to copy the next frame from the guest's queue q: *cap is its
     * length on entry, the buffer's size on return.  NULL when the host has
     * no room now: the frame waits (the guest's ring backs up) until the
     * host calls vif_back_poll(), which it must do once it has room again. */
    void *(*tx_buffer)(void *host, struct vif_back *v, unsigned q, size_t *cap);
    /* Sends that buffer, now holding a frame of len bytes with offload o. */
    int (*transmit)(void *host, struct vif_back *v, unsigned q, void *buf, size_t len,
                    const struct netif_offload *o);
    /* Optional zero copy: a packet whose n buffers the device reads straight
     * from the guest's grants (mapped for the device); head, its first
     * head_len bytes (headers), is a tx_buffer() of queue q holding them
     * copied out of the guest's page (and checked there), which the device
     * sends ahead of segs, the rest of the packet; o its offloads.  0: queued, and the host calls
     * vif_back_tx_complete(tag) when the device is done (and has its buffer head back); -errno: the
     * frame takes the copy path instead. */
    int (*transmit_segs)(void *host, struct vif_back *v, unsigned q,
                         const struct vif_back_seg *segs, unsigned n, const void *head,
                         size_t head_len, const struct netif_offload *o, uint32_t tag);
    /* The guest posted RX buffers on queue q after vif_back_receive() said -EAGAIN. */
    void (*rx_ready)(void *host, struct vif_back *v, unsigned q);
    /* End of a burst of transmit() calls on queue q. */
    void (*flush)(void *host, struct vif_back *v, unsigned q);
    /* Optional: how the vif's received frames should be spread over its
     * queues (after attach, and whenever the frontend changes it over the
     * ctrl ring).  h and what it points to live only during the call. */
    void (*set_hash)(void *host, struct vif_back *v, const struct vif_back_hash *h);
    /* The vif has TX work left after its budget, or is to be torn down:
     * call vif_back_reap() and vif_back_poll() soon, from the loop, once
     * the host's other pending events had their turn; with delay_ns, not
     * before then (its rate's next credit window). */
    void (*poll_later)(void *host, struct vif_back *v, uint64_t delay_ns);
};

struct vif_back_env {
    struct xs_handle *xs;
    xenevtchn_handle *xce;
    xengnttab_handle *xgt;
    const struct vif_port_ops *ops;
    void *host;
    unsigned cache_pages; /* persistent grant mappings per vif (0: 1024 per netif queue) */
    unsigned max_queues;  /* queues the host can give a vif (1..VIF_BACK_MAX_QUEUES; 0: 1) */
    /* TX packets longer than this are read by the device in place, when
     * ops->transmit_segs exists; shorter ones are copied (VIF_BACK_COPYBREAK). */
    size_t tx_copybreak;
    /* The smallest MSS the host's device cuts (0: any): TCP GSO packets
     * with a smaller one (down to SWOFFLOAD_MIN_MSS) are cut here, in
     * software, within the vif's TX budget. */
    uint16_t tx_min_mss;
};

/* A copy of a frame that fits the host's small TX buffers costs less than
 * the device mapping's completion round trip; larger ones go in place. */
#define VIF_BACK_COPYBREAK 2048

/* Serves dir ("/local/domain/B/backend/vif/F/D"): writes the features and
 * goes to InitWait.  NULL when dir is not a usable vif; when xenstore
 * refuses those writes or the watch (our quotas), a vif that serves
 * nothing, logged, Closed with an "error" node, until freed. */
struct vif_back *vif_back_new(const struct vif_back_env *env, const char *dir);
void vif_back_free(struct vif_back *v);
const char *vif_back_dir(const struct vif_back *v);
uint32_t vif_back_frontend(const struct vif_back *v);
/* The VLAN the vif is on (the backend key "vlan"): its frames carry this
 * 802.1Q id outside the guest, which sees them untagged; 0: untagged. */
uint16_t vif_back_vlan(const struct vif_back *v);
/* The VLANs it carries tagged besides (the backend key "trunk",
 * sv/vlan.h); empty: an access port of its VLAN or the untagged LAN. */
struct sv_vlan_set;
const struct sv_vlan_set *vif_back_trunk(const struct vif_back *v);
/* Where the backend host keeps its per-vif state (e.g. the pool). */
void vif_back_set_port(struct vif_back *v, void *port);
void *vif_back_port(const struct vif_back *v);

/* Writes key = value in our backend directory (what the toolstack shows). */
void vif_back_publish(struct vif_back *v, const char *key, const char *value);
/* Publishes the vif's own counters where they changed: "ip-filtered", the
 * frames its IP anti-spoofing dropped (for a vif with addresses),
 * "mcast-held", its broadcasts and multicasts that waited for its budget
 * (the vif's TX stopped until it refilled), and
 * "soft-tso", the GSO packets cut in software and their segments.  The host
 * calls it now and then (netdd: every second). */
void vif_back_publish_counters(struct vif_back *v);

/* A watch fired: re-read the frontend's and our own state, and connect or
 * disconnect as they say.  vif_back_new() watches the frontend's state key
 * (with our directory as the token); the host watches our directory.  Each
 * call costs a few synchronous xenstore reads, and a connect or disconnect
 * the host's attach/detach: the host coalesces a vif's events and limits
 * how often it calls this for one vif (a guest can flap its state).  0, or
 * the ns after which to call again: the vif held back a connect (at most
 * a few a second per vif). */
uint64_t vif_back_watch(struct vif_back *v, const char *path);
/* An event channel port fired (it may not be ours): whether it is, and
 * whether it found anything to do (a frontend notifying without reason
 * again and again is flooding: the host may then unmask the port late,
 * as Linux's netback does since XSA-332). */
enum vif_back_event {
    VIF_EVENT_NOT_MINE,
    VIF_EVENT_SPURIOUS,
    VIF_EVENT_WORK,
};
enum vif_back_event vif_back_event(struct vif_back *v, evtchn_port_t port);
/* Goes on with the TX work poll_later() announced, or with frames that
 * waited for a tx_buffer (nothing when none). */
void vif_back_poll(struct vif_back *v);
/* Failover: the vif takes the traffic over from its guest's VF.  For a
 * second its TX passes make few device mappings and copy the packets whose
 * pages are not mapped yet, so that a bulk stream moving over is not held
 * up mapping each page. */
void vif_back_take_over(struct vif_back *v);
/* Tears down a vif whose frontend misbehaved and goes Closed (nothing when
 * none).  A violation found inside a drain or a delivery only marks the vif
 * closing (it serves nothing more) and asks for poll_later(): the host calls
 * this from its loop, with no call into any vif on its stack. */
void vif_back_reap(struct vif_back *v);
/* The host's attach that said -EINPROGRESS is done (err: 0 or -errno);
 * nothing when the vif disconnected meanwhile. */
void vif_back_attached(struct vif_back *v, int err);
/* The host's device stopped after a detach that said -EINPROGRESS: the
 * grants it could read are unmapped, the vif goes Closed (if it was
 * closing) or is freed (if vif_back_free() came meanwhile). */
void vif_back_detached(struct vif_back *v);
/* The device finished the zero-copy packet tag (ok: sent). */
void vif_back_tx_complete(struct vif_back *v, uint32_t tag, bool ok);

/* The Toeplitz hash the host's NIC computed for a frame under the hash
 * settings the vif gave it (set_hash), for a frontend that asked for hash
 * extras on its ctrl ring. */
struct vif_back_rx_hash {
    uint32_t value;
    uint8_t type; /* an _XEN_NETIF_CTRL_HASH_TYPE_* number */
};

/* A frame for the guest on queue q (below the nqueues attach() was given,
 * or VIF_BACK_QUEUE_HASH), with its offload metadata o and the NIC's hash
 * (NULL: none): 0, -EAGAIN (no buffer posted: retry after rx_ready),
 * -EBUSY (over its receive rate: hold it and retry after rx_ready, which
 * comes with the next credit, or drop it),
 * -EMSGSIZE (dropped: too big for it), -ENOTCONN, -EINVAL (no such queue).
 * The guest sees the frames at vif_back_rx_flush(): call it once per
 * batch. */
int vif_back_receive(struct vif_back *v, unsigned q, const void *frame, size_t len,
                     const struct netif_offload *o, const struct vif_back_rx_hash *hash);
/* Publishes the frames received since the last flush on every queue;
 * notifies the guest where it asked (rsp_event): once per batch, not once
 * per frame. */
void vif_back_rx_flush(struct vif_back *v);
/* True when the guest takes TCPv4 GSO frames on RX (feature-gso-tcpv4, -sg). */
bool vif_back_rx_gso(const struct vif_back *v);
/* What the guest takes on RX (its feature-* keys); known once the vif
 * connected (from the port's attach on). */
const struct netif_features *vif_back_rx_features(const struct vif_back *v);

#endif
