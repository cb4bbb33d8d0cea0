/*
 * Event channels with Xen's semantics (xen/event_channel.h).
 *
 * Every port has a doorbell: an eventfd its owner waits on.  An interdomain
 * pair (A:pa, B:pb) is two eventfds crossed over: pa's doorbell is pb's
 * peer_doorbell and the other way round, so a send is one write(2) by the
 * sender to the receiver's doorbell, with no round trip through the
 * hypervisor (irqfd style).  The eventfd a port will ring is created when the
 * port is allocated unbound, so the sender already holds it when the peer
 * binds, and a port whose peer closed keeps it for the next peer.
 *
 * The hypervisor raises ports itself (VIRQs, and sends that come through it)
 * by setting the pending bit in the owner's shared_info and writing the
 * doorbell.  Masking is done by the receiver's library.
 */
#ifndef HV_EVTCHN_H
#define HV_EVTCHN_H

#include <stdint.h>
#include <xen/event_channel.h>
#include <xen/xen.h>

#include "quota.h"

enum evtchn_state {
    EVTCHN_FREE,
    EVTCHN_UNBOUND,
    EVTCHN_INTERDOMAIN,
    EVTCHN_VIRQ,
    EVTCHN_PIRQ, /* raised by a device's MSI-X vector (interrupt remapping) */
};

struct evtchn {
    enum evtchn_state state;
    domid_t remote_dom; /* UNBOUND: who may bind; INTERDOMAIN: the peer */
    evtchn_port_t remote_port;
    uint32_t virq;     /* VIRQ number, or the PIRQ (vector) for EVTCHN_PIRQ */
    int doorbell;      /* eventfd the owner waits on */
    int peer_doorbell; /* eventfd the owner rings to send (-1 for VIRQs) */
    const void *owner; /* the channel that bound it (released with it), or
                        * the PCI function whose vector it carries */
};

struct evtchn_space {
    domid_t domid;
    struct evtchn *ports;  /* SV_EVTCHN_PORTS entries; port 0 is never used */
    shared_info_t *shinfo; /* may be NULL (dom0 has none) */
    uint32_t max_port;     /* ports 1..max_port may be bound (max_event_channels) */
    struct quota *quota;   /* each port's doorbells are charged here (NULL: not) */
};

/* Finds the port space of a domain (set by the hypervisor; tests set their own). */
typedef struct evtchn_space *evtchn_resolver_fn(domid_t domid);
void evtchn_set_resolver(evtchn_resolver_fn *fn);

int evtchn_space_init(struct evtchn_space *sp, domid_t domid, shared_info_t *shinfo);
/* Closes every port (peers go unbound, as in Xen) and frees the space. */
void evtchn_space_destroy(struct evtchn_space *sp);

/*
 * Each returns the new local port (> 0) or -errno (-ENOSPC: no free port
 * up to max_port, or the quota refuses its doorbells).  fds[0] receives a dup of
 * the new port's doorbell and fds[1] a dup of its peer doorbell (or -1);
 * the caller passes them on to the binder and closes them.
 */
int evtchn_alloc_unbound(struct evtchn_space *sp, domid_t remote, const void *owner, int fds[2]);
int evtchn_bind_interdomain(struct evtchn_space *sp, domid_t remote, evtchn_port_t rport,
                            const void *owner, int fds[2]);
int evtchn_bind_virq(struct evtchn_space *sp, uint32_t virq, const void *owner, int fds[2]);
/* A port a device raises by writing its doorbell (fds[0]); fds[1] = -1. */
int evtchn_bind_pirq(struct evtchn_space *sp, uint32_t pirq, const void *owner, int fds[2]);
int evtchn_close(struct evtchn_space *sp, evtchn_port_t port);
/* Send through the hypervisor (the slow path a library falls back to). */
int evtchn_send(struct evtchn_space *sp, evtchn_port_t port);
int evtchn_status(struct evtchn_space *sp, evtchn_status_t *st);
/* Raises a port of sp: pending bit, then its doorbell. */
void evtchn_raise(struct evtchn_space *sp, evtchn_port_t port);
/* Raises the port sp has bound to virq, if any. */
void evtchn_raise_virq(struct evtchn_space *sp, uint32_t virq);
/* Closes every port bound through owner. */
void evtchn_release_owner(struct evtchn_space *sp, const void *owner);

#endif
