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
/* Commits (or aborts) and frees t.  0, -EAGAIN on conflict, -ENOMEM. */
int trans_end(struct conn *conn, struct trans *t, bool commit);
void trans_free_all(struct conn *conn);

/* A node changed: fire watches now (t NULL) or on t's commit. */
void trans_changed(struct xsd *xs, struct trans *t, const struct node *n,
                   bool recursive);
/* Nodes domid owns as seen by t (t may be NULL), and a change of it. */
unsigned int trans_nodes(struct xsd *xs, struct trans *t, uint32_t domid);
void trans_nodes_add(struct xsd *xs, struct trans *t, uint32_t domid,
                     int delta);

#endif
