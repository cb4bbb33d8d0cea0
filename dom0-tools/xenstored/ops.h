/*
 * The request handlers of xenstored: one per xs_wire.h message type,
 * dispatched through a table with a privileged-only flag.
 */
#ifndef XSD_OPS_H
#define XSD_OPS_H

#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "core.h"

/* Handles one request.  body holds hdr->len bytes plus a NUL the
 * connection layer added.  The reply (or XS_ERROR) is queued on conn. */
void ops_dispatch(struct conn *conn, const struct xsd_sockmsg *hdr, const char *body);

#endif
