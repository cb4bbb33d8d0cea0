/*
 * Inside a domain, libxenstore reaches xenstored through the one ring page
 * and event channel the domain has, shared by every handle of the process
 * (as a guest kernel's xenbus driver shares them among its users).
 */
#ifndef XS_RING_H
#define XS_RING_H

/* A stream socket that speaks the xenstore wire protocol to xenstored over
 * the domain's ring: an fd, or -1 with errno. */
int xs_ring_connect(void);

#endif
