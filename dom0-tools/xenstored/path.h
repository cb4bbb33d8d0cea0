/*
 * Xenstore path rules: valid names, relative paths resolved against the
 * caller's home /local/domain/<id>, parent/child tests.
 */
#ifndef XSD_PATH_H
#define XSD_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

/* Room for any canonical path (absolute limit + NUL). */
#define PATH_BUF (XENSTORE_ABS_PATH_MAX + 1)

/* Writes "/local/domain/<domid>" into buf (PATH_BUF bytes); returns its
 * length. */
size_t path_home(uint32_t domid, char *buf);

/*
 * Resolves in (absolute, or relative to domid's home) into out (PATH_BUF
 * bytes) and checks it: characters [A-Za-z0-9_/@-], no "//", no trailing
 * '/' except for "/", absolute length <= XENSTORE_ABS_PATH_MAX and, for a
 * domain other than 0, the part below its home (or the whole path outside
 * any home) <= XENSTORE_REL_PATH_MAX, as Xen's path-length quota.  "@name" special paths are
 * accepted only with allow_special.  *strip (may be NULL) receives how many
 * leading bytes of out a relative name did not have.  0 or -EINVAL.
 */
int path_canon(uint32_t domid, const char *in, bool allow_special, char *out, size_t *strip);

/* True when child is parent or below it ("/a" covers "/a/b", not "/ab"). */
bool path_is_below(const char *child, const char *parent);

#endif
