/*
 * The dom0 unix-socket transport of xenstored: a listening socket whose
 * every client becomes a privileged (domid 0) connection.  Only root can
 * reach the socket (mode 0600).
 */
#ifndef XSD_SOCK_H
#define XSD_SOCK_H

#include <event2/event.h>

#include "core.h"

struct sock_listener;

/* Listens on path (an existing socket file is replaced) and serves clients
 * on base.  NULL with errno on failure.  sock_close() stops listening,
 * removes the file and leaves existing connections alone. */
struct sock_listener *sock_listen(struct xsd *xs, struct event_base *base, const char *path);
void sock_close(struct sock_listener *l);

#endif
