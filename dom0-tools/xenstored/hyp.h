/*
 * xenstored's side of the hypervisor: on XS_INTRODUCE it maps the domain's
 * ring page (grant GNTTAB_RESERVED_XENSTORE) and binds its event channel,
 * serves the ring as a connection, and on VIRQ_DOM_EXC releases domains
 * that died (and reports those that shut down), as Xen's xenstored does.
 */
#ifndef XSD_HYP_H
#define XSD_HYP_H

#include "core.h"

struct event_base;
struct hyp;

/* Connects to the hypervisor; NULL (logged) when there is none, in which
 * case xenstored serves dom0's socket only. */
struct hyp *hyp_open(struct xsd *xs, struct event_base *base);
void hyp_close(struct hyp *hyp);

#endif
