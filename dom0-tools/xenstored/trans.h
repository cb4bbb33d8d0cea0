/*
 * Transactions of a connection: the tree view they work on, the watch
 * events and node-count changes they hold back until commit.
 */
#ifndef XSD_TRANS_H
#define XSD_TRANS_H

#include "core.h"

/* Opens a transaction for conn.  NULL with errno ENOSPC (quota) or ENOMEM. */
struct trans *trans_start(struct conn *conn);
/* conn's transaction id, or NULL. */
struct trans *trans_find(struct conn *conn, uint32_t id);
/* Commits (or aborts) and frees t.  0, -EAGAIN on conflict, or -errno of
 * trans_error(). */
int trans_end(struct conn *conn, struct trans *t, bool commit);
void trans_free_all(struct conn *conn);

/* Why t can only fail now (an operation half-failed, a quota was hit), as
 * a positive errno, or 0.  trans_fail() records the first such reason. */
int trans_error(const struct trans *t);
void trans_fail(struct trans *t, int err);
/* After each request in t: charges what t holds to the connection's domain
 * and fails t (ENOSPC) if that takes the domain over its memory quota. */
void trans_charge(struct conn *conn, struct trans *t);

/* A node changed: fire watches now (t NULL) or on t's commit, for those
 * who may read n (for a permission change, before or after: after may be
 * NULL). */
void trans_changed(struct xsd *xs, struct trans *t, const struct node *n, const struct node *after,
                   enum watch_scope scope);
/* Nodes and node memory domid owns as seen by t (t may be NULL), and a
 * change of them (applied on t's commit). */
unsigned int trans_nodes(struct xsd *xs, struct trans *t, uint32_t domid);
size_t trans_memory(struct xsd *xs, struct trans *t, uint32_t domid);
void trans_owned_add(struct xsd *xs, struct trans *t, uint32_t domid, int nodes, long bytes);

#endif
