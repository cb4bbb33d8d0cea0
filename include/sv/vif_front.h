/*
 * One vif of a guest: its netfront queues (one per netif queue, each on its
 * own packet socket on nfD, the far end of the veth ethD, which the
 * hypervisor makes for it), the xenbus handshake with
 * whichever backend the toolstack points it at, and optionally a control
 * ring asking that backend for Toeplitz hashing with a given mapping table.
 * Or, for a program that drives the rings itself (the packet generator),
 * one queue handed to an endpoint instead of the sockets.
 */
#ifndef VIF_FRONT_H
#define VIF_FRONT_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/event_channel.h>
#include <xenevtchn.h>
#include <xenstore.h>

struct event_base;
struct netfront;
struct vif_front;

/* Who uses the rings of a vif instead of the socket relay. */
struct vif_front_endpoint {
    /* Connected: nf is the vif's queue (RX buffers posted) until disconnected(). */
    void (*connected)(void *ctx, struct netfront *nf);
    void (*disconnected)(void *ctx);
    /* The backend notified: TX responses (tx) and/or RX frames (rx) may wait.
     * A negative return (-EPROTO) closes the connection. */
    int (*event)(void *ctx, bool tx, bool rx);
    void *ctx;
};

#define VIF_FRONT_MAX_QUEUES 8
/* Buffers each way per queue at most: a ring's worth, within one share
 * call.  Their refs are recycled, never re-granted. */
#define VIF_FRONT_MAX_BUFFERS 253

struct vif_front_opts {
    unsigned max_queues;       /* ask for at most this many (0: what the backend offers) */
    const uint32_t *rss_table; /* non-NULL: feature-ctrl-ring with this mapping table */
    unsigned rss_size;         /* its entries (1..128) */
    unsigned buffers; /* pages granted each way per queue, 1..VIF_FRONT_MAX_BUFFERS (0: all) */
    const struct vif_front_endpoint *ep; /* non-NULL: one queue, driven by ep; no socket */
};

/* A VF teamed with the vif (failover, as Linux's net_failover bonds a VF
 * with its virtio standby): while it is active, what programs send on ethD
 * goes to it.  Both write what they receive to ethD: the NIC delivers each
 * frame to one of them (the PF owner moves the MAC). */
struct vif_front_primary {
    /* Takes the frames waiting in fd (a queue's socket, virtio header first):
     * 0; -EAGAIN when out of room: fd is then not read until
     * vif_front_primary_room(); -ENOTCONN when not active: the rings take
     * them. */
    int (*xmit)(void *ctx, int fd);
    void *ctx;
};

/* device/vif/<devid> of our home; NULL (logged) when it cannot start.
 * opts is copied (rss_table and ep must stay valid). */
struct vif_front *vif_front_new(struct event_base *base, struct xs_handle *xs,
                                xenevtchn_handle *xce, unsigned devid,
                                const struct vif_front_opts *opts);
void vif_front_free(struct vif_front *v);
unsigned vif_front_devid(const struct vif_front *v);
/* A watch fired on path: re-read the backend and its state. */
void vif_front_watch(struct vif_front *v, const char *path);
/* port fired (it may not be ours). */
void vif_front_event(struct vif_front *v, evtchn_port_t port);

/* Teams a VF with the vif (p copied), or (NULL) puts ethD back on the rings. */
void vif_front_set_primary(struct vif_front *v, const struct vif_front_primary *p);
/* The primary has room again: the sockets it refused are read again. */
void vif_front_primary_room(struct vif_front *v);
/* Queue 0's socket (kept for the vif's life; -1 with an endpoint): where
 * the primary writes the frames it receives, virtio header first. */
int vif_front_sock(const struct vif_front *v);

#endif
