/*
 * Watches: a connection's (path, token) registrations and the events that
 * changes raise.  An event goes to every watch at or above the changed path
 * (and, for a removal, below it) whose connection may read the node.
 */
#ifndef XSD_WATCH_H
#define XSD_WATCH_H

#include "core.h"

/* Registers (path, token) for conn.  path is canonical; strip is what
 * path_canon() reported.  NULL with errno EEXIST (same pair), E2BIG (watch
 * quota) or ENOMEM. */
struct watch *watch_add(struct conn *conn, const char *path, const char *token, size_t strip);
/* Queues the event every new watch gets once, after its acknowledgement. */
void watch_fire_initial(struct conn *conn, const struct watch *w);
/* 0 or -ENOENT. */
int watch_del(struct conn *conn, const char *path, const char *token);
void watch_del_all(struct conn *conn);

/* Announces a change of path to every interested connection that may read
 * the node under perms, or under perms2 (may be NULL: the new permissions
 * of a permission change, so a domain gaining access learns of it as one
 * losing it does). */
void watch_fire(struct xsd *xs, const char *path, enum watch_scope scope,
                const struct xs_permissions *perms, unsigned int nperms,
                const struct xs_permissions *perms2, unsigned int nperms2);
/* Announces "@introduceDomain"/"@releaseDomain" to the watchers that may
 * read that special name (dom0, and domains dom0 granted it to). */
void watch_fire_special(struct xsd *xs, const char *name);

/* Sets up / frees xs->specials (owner dom0, "n0").  0 or -ENOMEM. */
int watch_specials_init(struct xsd *xs);
void watch_specials_free(struct xsd *xs);
/* The special name's record, or NULL when name is not one. */
struct special *watch_special(struct xsd *xs, const char *name);

#endif
