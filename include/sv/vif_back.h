/*
 * One vif served by a backend domain: the xenbus backend state machine
 * (InitWait -> Connected -> Closing -> Closed) over backend/vif/F/D, the
 * netback queue on the frontend's rings, and the port the backend host
 * gives it towards the network (for netdd: a VMDq pool of the NIC).
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

/* A buffer the host's device reads in place: a device-mapped grant's IOVA. */
struct vif_back_seg {
    uint64_t iova;
    uint16_t len;
};

/* Where a vif's frames go and come from: the backend host's side. */
struct vif_port_ops {
    /* The vif connected: attach it (for netdd, take a pool for mac).  0 or -errno. */
    int (*attach)(void *host, struct vif_back *v, const uint8_t mac[6]);
    void (*detach)(void *host, struct vif_back *v);
    /* Where to copy the next frame from the guest: *cap is its length on
     * entry, the buffer's size on return.  NULL when the host has no room
     * now: the frame waits (the guest's ring backs up) until the host calls
     * vif_back_poll(), which it must do once it has room again. */
    void *(*tx_buffer)(void *host, struct vif_back *v, size_t *cap);
    /* Sends that buffer, now holding a frame of len bytes with offload o. */
    int (*transmit)(void *host, struct vif_back *v, void *buf, size_t len,
                    const struct netif_offload *o);
    /* Optional zero copy: a packet whose n buffers the device reads straight
     * from the guest's grants (mapped for the device); head is its first
     * head_len bytes (headers), o its offloads.  0: queued, and the host
     * calls vif_back_tx_complete(tag) when the device is done; -errno: the
     * frame takes the copy path instead. */
    int (*transmit_segs)(void *host, struct vif_back *v, const struct vif_back_seg *segs,
                         unsigned n, const void *head, size_t head_len,
                         const struct netif_offload *o, uint32_t tag);
    /* The guest posted RX buffers after vif_back_receive() said -EAGAIN. */
    void (*rx_ready)(void *host, struct vif_back *v);
    /* End of a burst of transmit() calls. */
    void (*flush)(void *host, struct vif_back *v);
    /* The vif has TX work left after its budget: call vif_back_poll() soon,
     * once the host's other pending events had their turn. */
    void (*poll_later)(void *host, struct vif_back *v);
};

struct vif_back_env {
    struct xs_handle *xs;
    xenevtchn_handle *xce;
    xengnttab_handle *xgt;
    const struct vif_port_ops *ops;
    void *host;
    unsigned cache_pages; /* persistent grant mappings per vif (0: the default) */
};

/* Serves dir ("/local/domain/B/backend/vif/F/D"): writes the features and
 * goes to InitWait.  NULL when dir is not a usable vif. */
struct vif_back *vif_back_new(const struct vif_back_env *env, const char *dir);
void vif_back_free(struct vif_back *v);
const char *vif_back_dir(const struct vif_back *v);
uint32_t vif_back_frontend(const struct vif_back *v);
/* Where the backend host keeps its per-vif state (e.g. the pool). */
void vif_back_set_port(struct vif_back *v, void *port);
void *vif_back_port(const struct vif_back *v);

/* Writes key = value in our backend directory (what the toolstack shows). */
void vif_back_publish(struct vif_back *v, const char *key, const char *value);

/* A watch fired: re-read the frontend's and our own state. */
void vif_back_watch(struct vif_back *v, const char *path);
/* The event channel port fired (it may not be ours). */
void vif_back_event(struct vif_back *v, evtchn_port_t port);
/* Goes on with the TX work poll_later() announced, or with the frame that
 * waited for a tx_buffer (nothing when none). */
void vif_back_poll(struct vif_back *v);
/* The device finished the zero-copy packet tag (ok: sent). */
void vif_back_tx_complete(struct vif_back *v, uint32_t tag, bool ok);

/* A frame for the guest: 0, -EAGAIN (no buffer posted: retry after
 * rx_ready), -EMSGSIZE (dropped: too big for it), -ENOTCONN.  The guest
 * sees the frames at vif_back_rx_flush(): call it once per batch. */
int vif_back_receive(struct vif_back *v, const void *frame, size_t len, uint16_t nic_status);
/* The same with the frame's offload metadata (a frame switched in software). */
int vif_back_receive_offload(struct vif_back *v, const void *frame, size_t len,
                             const struct netif_offload *o);
/* Publishes the frames received since the last flush; notifies the guest if
 * it asked (rsp_event): once per batch instead of once per frame. */
void vif_back_rx_flush(struct vif_back *v);
/* True when the guest takes TCPv4 GSO frames on RX (feature-gso-tcpv4, -sg). */
bool vif_back_rx_gso(const struct vif_back *v);
/* True when the NIC's RX status says the TCP/UDP checksum was verified. */
bool vif_back_nic_validated(uint16_t nic_status);

#endif
