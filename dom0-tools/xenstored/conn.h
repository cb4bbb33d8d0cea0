/*
 * Connections: one client of xenstored over some transport (a dom0 unix
 * socket, a domain's ring page).  Assembles requests from the transport's
 * bytes, rejects malformed ones, dispatches them, and queues replies and
 * watch events until the transport takes them.
 */
#ifndef XSD_CONN_H
#define XSD_CONN_H

#include "core.h"

/* A connection acting for domid (0 = privileged dom0) over tp/arg.  NULL
 * on ENOMEM (tp->close is not called then).  conn_destroy() drops its
 * watches and transactions and calls tp->close(arg). */
struct conn *conn_new(struct xsd *xs, uint32_t domid, const struct conn_transport *tp, void *arg);
void conn_destroy(struct conn *conn);

/* Requests one conn_input() call handles at most, so that one busy client
 * cannot starve the others. */
#define CONN_INPUT_BUDGET 64

/*
 * Reads and handles the complete requests the transport has, while the
 * output quota allows.  0 when it ran out of input (or of quota), 1 when it
 * stopped after CONN_INPUT_BUDGET requests with more maybe waiting (call
 * again: a level-triggered socket does so by itself, a ring must be
 * rescheduled), or -errno when the connection must be closed (peer gone,
 * header with len > XENSTORE_PAYLOAD_MAX, transport broken).
 */
int conn_input(struct conn *conn);
/* False while an unprivileged connection has QUOTA_OUTSTANDING messages
 * queued: the transport should stop watching for input meanwhile. */
bool conn_wants_input(const struct conn *conn);

/*
 * 0 when conn may have a request served now, else the nanoseconds until it
 * may: a domain's ring connection is served its domain's request-rate
 * quota a second, request-burst at most at once (a token bucket per
 * connection), and conn_input() reads no more of it meanwhile; the
 * transport looks again after that long.  dom0 is never held back, nor a
 * socket (dom0's tools, restricted or not), as Xen's write rate limit
 * spares sockets.
 */
uint64_t conn_input_wait(struct conn *conn);

/* Writes queued output.  0 (maybe some left: conn_has_output) or -errno. */
int conn_flush(struct conn *conn);
bool conn_has_output(const struct conn *conn);

/* Queues one message (header built here).  0 or -ENOMEM. */
int conn_send(struct conn *conn, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *data,
              size_t len);

/*
 * Queues the watch event "<path>\0<token>\0".  An event identical to one
 * still queued is coalesced into it (0).  One over XENSTORE_PAYLOAD_MAX is
 * never sent (-E2BIG, as in Xen).  Past the connection's room (-ENOSPC:
 * QUOTA_DOM0_EVENT_BYTES for dom0, else its domain's memory quota) or
 * without memory the event is dropped and counted in conn->dropped.
 */
int conn_send_event(struct conn *conn, const char *path, const char *token);

/* Drops privilege: the connection acts as domid from now on (XS_CONTROL
 * "restrict", Xen's former XS_RESTRICT).  -EBUSY with watches,
 * transactions or output queued (charged to nobody until now), -EINVAL for
 * domid 0. */
int conn_restrict(struct conn *conn, uint32_t domid);

#endif
