/*
 * The domain transport of xenstored: requests and replies over a domain's
 * struct xenstore_domain_interface page (xen/io/xs_wire.h).  xenstored is
 * the consumer of req[] and the producer of rsp[].
 *
 * Every index the domain writes is untrusted: a producer (req_prod) more
 * than XENSTORE_RING_SIZE ahead of our consumer index, or a consumer
 * (rsp_cons) that claims more than we produced, is a broken ring.  The
 * transport then sets intf->error = XENSTORE_ERROR_RINGIDX and fails every
 * later call with -EIO; the connection layer closes the connection.
 *
 * The page and the event channel come from the glue that maps them on
 * XS_INTRODUCE (grant mapping + interdomain binding); this module only sees
 * memory and a notify callback.
 */
#ifndef XSD_RING_H
#define XSD_RING_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "core.h"

struct ring_port;

/* The transport over intf.  notify(arg) must kick the domain's event
 * channel; it is called after we consume requests or produce replies.
 * kick(arg) (may be NULL) says output was queued outside of the domain's
 * own requests (a watch event): the glue should conn_flush() soon.
 * release(arg) is called when the connection closes (unmap, unbind).
 * Advertises XENSTORE_SERVER_FEATURE_ERROR in intf.  NULL on ENOMEM. */
struct ring_port *ring_port_new(struct xenstore_domain_interface *intf, void (*notify)(void *arg),
                                void (*kick)(void *arg), void (*release)(void *arg), void *arg);

/* For conn_new(xs, domid, &ring_transport, port). */
extern const struct conn_transport ring_transport;

/* The raw copies, also used by the unit tests and the fuzzer: bytes moved
 * (0 when the ring is empty/full) or -EIO for a broken index. */
long ring_read(struct xenstore_domain_interface *intf, void *buf, size_t len);
long ring_write(struct xenstore_domain_interface *intf, const void *buf, size_t len);

#endif
