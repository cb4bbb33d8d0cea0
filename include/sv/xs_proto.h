/*
 * Helpers of the xenstore wire protocol (xen/io/xs_wire.h) shared by
 * xenstored and libxenstore, so both sides spell errors and permissions the
 * same way.  Pure functions, no allocation.
 */
#ifndef SV_XS_PROTO_H
#define SV_XS_PROTO_H

#include <stddef.h>
#include <xenstore_lib.h>

/* Name of err in xsd_errors ("EACCES"); "EINVAL" for an errno the protocol
 * cannot carry, as Xen's xenstored does. */
const char *xs_proto_errname(int err);

/* errno for a name of xsd_errors; EINVAL when the name is unknown. */
int xs_proto_errno(const char *name);

/* Parses one permission entry "<n|r|w|b><domid>" (NUL-terminated).
 * Returns 0, or -EINVAL when malformed. */
int xs_proto_perm_parse(const char *s, struct xs_permissions *perm);

/* Formats one entry into buf (NUL-terminated).  Returns the length without
 * the NUL, or -ENOSPC when buf is too small, -EINVAL for unknown bits. */
int xs_proto_perm_format(const struct xs_permissions *perm, char *buf, size_t len);

#endif
