/* Node changes with node-count and memory bookkeeping and watch
 * announcements (see store.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "store.h"
#include "trans.h"

/* The parent of path as t sees it (path is not "/"). */
static const struct node *parent_of(struct xsd *xs, struct trans *t, const char *path)
{
    char buf[PATH_BUF];
    size_t len = (size_t)(strrchr(path, '/') - path);

    memcpy(buf, path, len ?: 1);
    buf[len ?: 1] = '\0';
    return tree_peek(xs->tree, t ? t->view : NULL, buf);
}

/* The parent's owner holds the child's name in the parent's record. */
static void charge_name(struct xsd *xs, struct trans *t, const char *path, int sign)
{
    const struct node *parent = parent_of(xs, t, path);

    if (parent)
        trans_owned_add(xs, t, parent->perms[0].id, 0, sign * (long)strlen(strrchr(path, '/')));
}

struct node *store_add(struct xsd *xs, struct trans *t, const char *path,
                       const struct xs_permissions *perms, unsigned int nperms)
{
    struct node *n = tree_add(xs->tree, t ? t->view : NULL, path, perms, nperms);

    if (!n)
        return NULL;
    trans_owned_add(xs, t, perms[0].id, 1, (long)node_cost(n));
    charge_name(xs, t, path, 1);
    return n;
}

int store_set_data(struct xsd *xs, struct trans *t, struct node *n, const void *data,
                   unsigned int len)
{
    long delta = (long)len - (long)n->len;

    if (node_set_data(n, data, len))
        return -ENOMEM;
    trans_owned_add(xs, t, n->perms[0].id, 0, delta);
    return 0;
}

struct remove_ctx {
    struct xsd *xs;
    struct trans *t;
    const char *root;
};

/* Every node removed: uncounted, and announced to the watches exactly on
 * it under its own permissions, so a watcher of a readable node learns of
 * its removal with an ancestor it may not read (as in Xen). */
static void removed_cb(const struct node *n, void *arg)
{
    struct remove_ctx *c = arg;

    trans_owned_add(c->xs, c->t, n->perms[0].id, -1, -(long)node_cost(n));
    if (strcmp(n->path, c->root))
        trans_changed(c->xs, c->t, n, NULL, WATCH_EXACT);
}

int store_remove(struct xsd *xs, struct trans *t, const char *path)
{
    struct txn *view = t ? t->view : NULL;
    const struct node *n = tree_get(xs->tree, view, path);
    struct remove_ctx c = {xs, t, path};
    struct xs_permissions *perms;
    struct node gone = {0};
    int err;

    if (!n)
        return -ENOENT;
    /* The announcement needs the node's permissions after it is gone. */
    perms = calloc(n->nperms, sizeof(*perms));
    if (!perms)
        return -ENOMEM;
    memcpy(perms, n->perms, n->nperms * sizeof(*perms));
    gone.path = (char *)path;
    gone.perms = perms;
    gone.nperms = n->nperms;
    charge_name(xs, t, path, -1);
    err = tree_remove(xs->tree, view, path, removed_cb, &c);
    if (err && t)
        trans_fail(t, -err);
    if (!err)
        trans_changed(xs, t, &gone, NULL, WATCH_TREE);
    free(perms);
    return err;
}

static int set_perms(struct xsd *xs, struct trans *t, struct node *n,
                     const struct xs_permissions *perms, unsigned int nperms, bool announce)
{
    struct node before = {.path = n->path, .perms = n->perms, .nperms = n->nperms};
    uint32_t old_owner = n->perms[0].id;
    long old_cost = (long)node_cost(n);

    /* Announced to those who could read the node before or after the
     * change, as in Xen: a domain losing access learns that it did, one
     * gaining it learns of the node. */
    n->perms = NULL;
    if (node_set_perms(n, perms, nperms)) {
        n->perms = before.perms;
        return -ENOMEM;
    }
    trans_owned_add(xs, t, old_owner, -1, -old_cost);
    trans_owned_add(xs, t, perms[0].id, 1, (long)node_cost(n));
    if (announce)
        trans_changed(xs, t, &before, n, WATCH_NODE);
    free(before.perms);
    return 0;
}

int store_set_perms(struct xsd *xs, struct trans *t, struct node *n,
                    const struct xs_permissions *perms, unsigned int nperms)
{
    return set_perms(xs, t, n, perms, nperms, true);
}

int store_set_perms_quiet(struct xsd *xs, struct node *n, const struct xs_permissions *perms,
                          unsigned int nperms)
{
    return set_perms(xs, NULL, n, perms, nperms, false);
}
