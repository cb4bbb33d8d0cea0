/*
 * Node changes with their bookkeeping: per-domain node counts and memory
 * (node_cost(), the parent's owner holding the child's name), and watch
 * announcements (now, or at commit inside a transaction).  Callers have
 * checked permissions and quotas already.
 */
#ifndef XSD_STORE_H
#define XSD_STORE_H

#include "core.h"

/* Creates path (parent must exist) with perms; NULL with errno.  Not
 * announced: the request that creates a path announces it once. */
struct node *store_add(struct xsd *xs, struct trans *t, const char *path,
                       const struct xs_permissions *perms, unsigned int nperms);
/* Replaces n's value (n from tree_get_mut), charging its owner.  0 or
 * -ENOMEM. */
int store_set_data(struct xsd *xs, struct trans *t, struct node *n, const void *data,
                   unsigned int len);
/* Removes path and its subtree.  0, -ENOENT, -ENOMEM. */
int store_remove(struct xsd *xs, struct trans *t, const char *path);
/* Replaces n's permissions, moving the node between owners' counts; the
 * change is announced to watchers allowed by the old or the new ones. */
int store_set_perms(struct xsd *xs, struct trans *t, struct node *n,
                    const struct xs_permissions *perms, unsigned int nperms);
/* The same outside any transaction, unannounced: for dropping the rights
 * of a domain that is gone (no watcher of it is left, and nobody else's
 * access changes). */
int store_set_perms_quiet(struct xsd *xs, struct node *n, const struct xs_permissions *perms,
                          unsigned int nperms);

#endif
