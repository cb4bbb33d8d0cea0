/*
 * The node store of xenstored: a tree of nodes (value, permissions,
 * children) indexed by absolute path, and transactions over it.
 *
 * Transactions follow Xen's generation scheme: every committed change gives
 * the node a new generation; a transaction records the generation of every
 * node it looks at (0 = absent), keeps a copy of each as it first saw it
 * (its reads are a snapshot, as in Xen) and its own copies of the nodes it
 * changes.  Commit fails with -EAGAIN if any recorded generation moved.
 *
 * This layer knows nothing of permissions, quotas or watches; callers check
 * those before changing the tree.  Paths given here are already validated
 * absolute paths ("/" or "/a/b").
 */
#ifndef XSD_TREE_H
#define XSD_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <xenstore_lib.h>

struct tree;
struct txn;

struct node {
    char *path;                   /* absolute path, owned */
    char *data;                   /* value, not NUL-terminated, may be NULL */
    unsigned int len;             /* bytes in data */
    struct xs_permissions *perms; /* [0] = owner and default, nperms >= 1 */
    unsigned int nperms;
    char **children; /* child names in creation order */
    unsigned int nchildren;
    unsigned int childcap; /* allocated slots in children */
    uint64_t gen;          /* generation of the last committed change */
};

/* A tree holding "/" owned by dom0 with no access for others.  NULL on
 * ENOMEM.  tree_free() frees every node. */
struct tree *tree_new(void);
void tree_free(struct tree *t);

/* Nodes in the committed tree (including "/"). */
unsigned int tree_count(const struct tree *t);

/* The node at path as seen by tx (NULL tx = the committed tree), or NULL
 * when absent.  Valid until the next change of the same view. */
const struct node *tree_get(struct tree *t, struct txn *tx, const char *path);

/* As tree_get(), without recording anything in tx: for looking past nodes
 * whose generation must not make the transaction conflict. */
const struct node *tree_peek(struct tree *t, struct txn *tx, const char *path);

/* As tree_get(), but the caller may change the node's value or permissions
 * (node_set_*).  Inside a transaction this makes the transaction's private
 * copy; outside it gives the node a new generation.  NULL with errno ENOENT
 * or ENOMEM. */
struct node *tree_get_mut(struct tree *t, struct txn *tx, const char *path);

/* Creates path with no value and a copy of perms; its parent must exist and
 * path must not.  Returns the node, or NULL with errno (ENOENT, EEXIST,
 * ENOMEM). */
struct node *tree_add(struct tree *t, struct txn *tx, const char *path,
                      const struct xs_permissions *perms, unsigned int nperms);

/* Removes path and everything below it (path must not be "/").  Calls
 * cb(node, arg) for every removed node before it goes.  0, -ENOENT or
 * -ENOMEM (only inside a transaction, whose view is then partly changed:
 * the caller must fail the transaction). */
int tree_remove(struct tree *t, struct txn *tx, const char *path,
                void (*cb)(const struct node *n, void *arg), void *arg);

/* Replace a node's value / permissions (copied).  0 or -ENOMEM. */
int node_set_data(struct node *n, const void *data, unsigned int len);
int node_set_perms(struct node *n, const struct xs_permissions *perms, unsigned int nperms);
/* Bytes a node costs against the node-size quota: value, permissions and
 * child names, as Xen's record size counts them. */
unsigned int node_size(const struct node *n);

/* Calls fn on every committed node until it returns false; fn must not
 * change the tree. */
void tree_foreach(struct tree *t, bool (*fn)(const struct node *n, void *arg), void *arg);

/* Bytes a node holds (path, value, permissions, child names): what its
 * owner is charged against the memory quota. */
size_t node_cost(const struct node *n);

/* A new transaction view that may touch (read, change, create or remove)
 * at most max_nodes distinct nodes; NULL on ENOMEM. */
struct txn *tree_txn_begin(struct tree *t, unsigned int max_nodes);
/* Why tx cannot commit (a node over max_nodes, or no memory to record a
 * read: the lookup then reported the node absent), as -errno, or 0. */
int tree_txn_error(const struct txn *tx);
/* Bytes tx holds: its private nodes and its record of what it touched. */
size_t tree_txn_bytes(const struct txn *tx);
/* Applies tx to the tree: 0, tree_txn_error(), or -EAGAIN when a node it
 * looked at changed since (nothing is applied then).  tx stays allocated
 * either way. */
int tree_txn_commit(struct tree *t, struct txn *tx);
/* Discards tx (NULL ok). */
void tree_txn_free(struct txn *tx);

#endif
