/*
 * Inside a domain: the xenstore ring page and event channel the hypervisor
 * made at domain creation (Xen's start_info store_mfn/store_evtchn).  The
 * domain side of libxenstore talks to xenstored through it: wait for
 * `doorbell` to become readable, write 1 to `kick` (eventfds) to notify.
 */
#ifndef SV_STORE_RING_H
#define SV_STORE_RING_H

#include <xen/event_channel.h>
#include <xen/io/xs_wire.h>

struct sv_store_ring {
    struct xenstore_domain_interface *intf; /* mapped read-write */
    evtchn_port_t port;
    int doorbell; /* readable (eventfd) when xenstored notified us */
    int kick;     /* eventfd_write(kick, 1) notifies xenstored */
};

/* Maps the ring and takes the port's doorbells: 0, or -errno (-ENOTSUP in dom0). */
int sv_store_ring_open(struct sv_store_ring *ring);
/* Unmaps and closes; safe on a zeroed or failed ring. */
void sv_store_ring_close(struct sv_store_ring *ring);

#endif
