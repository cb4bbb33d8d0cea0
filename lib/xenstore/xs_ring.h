/*
 * Inside a domain, libxenstore reaches xenstored through the one ring page
 * and event channel the domain has, shared by every handle of the process
 * (as a guest kernel's xenbus driver shares them among its users).
 */
#ifndef XS_RING_H
#define XS_RING_H

/* A byte stream that speaks the xenstore wire protocol to xenstored over the
 * domain's ring: requests are written to fds[1], replies and events read
 * from fds[0] (two pipes: a domain may not make AF_UNIX sockets, which could
 * hold fds in flight).  Closing fds[1] ends the stream.  0, or -1 with errno. */
int xs_ring_connect(int fds[2]);

#endif
