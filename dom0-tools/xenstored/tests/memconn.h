/* Test helper: a xenstored connection over in-memory buffers, to drive the
 * daemon core with raw wire messages. */
#ifndef TEST_MEMCONN_H
#define TEST_MEMCONN_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "../core.h"

struct memconn {
    struct conn *conn; /* NULL once the daemon closed it */
    char in[1 << 16];
    size_t in_len, in_off;
    char out[1 << 20];
    size_t out_len, out_off;
    size_t write_room; /* bytes the transport accepts, SIZE_MAX = all */
};

/* A connection acting for domid (0 = privileged).  Free with memconn_free. */
struct memconn *memconn_new(struct xsd *xs, uint32_t domid);
void memconn_free(struct memconn *mc);

/* Queues raw bytes as if the peer sent them, then lets the daemon run. */
int memconn_feed(struct memconn *mc, const void *data, size_t len);
/* One request; returns what conn_input returned. */
int memconn_send(struct memconn *mc, uint32_t type, uint32_t tx_id, const void *body, size_t len);
/* Pops the next message the daemon wrote: its type, body copied to buf
 * (NUL added), length in *len.  -1 when none. */
int memconn_recv(struct memconn *mc, char *buf, size_t buflen, unsigned int *len);
/* Sends and returns the reply type; body in buf. */
int memconn_call(struct memconn *mc, uint32_t type, uint32_t tx_id, const void *body, size_t len,
                 char *buf, size_t buflen);

#endif
