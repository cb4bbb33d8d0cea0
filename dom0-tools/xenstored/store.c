/* Node changes with node-count bookkeeping and watch announcements (see
 * store.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "trans.h"

struct node *store_add(struct xsd *xs, struct trans *t, const char *path,
                       const struct xs_permissions *perms,
                       unsigned int nperms)
{
    struct node *n = tree_add(xs->tree, t ? t->view : NULL, path, perms,
                              nperms);

    if (!n)
        return NULL;
    trans_nodes_add(xs, t, perms[0].id, 1);
    return n;
}

struct remove_ctx {
    struct xsd *xs;
    struct trans *t;
};

static void uncount_cb(const struct node *n, void *arg)
{
    struct remove_ctx *c = arg;

    trans_nodes_add(c->xs, c->t, n->perms[0].id, -1);
}

int store_remove(struct xsd *xs, struct trans *t, const char *path)
{
    struct txn *view = t ? t->view : NULL;
    const struct node *n = tree_get(xs->tree, view, path);
    struct remove_ctx c = { xs, t };
    struct xs_permissions *perms;
    struct node gone = { 0 };
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
    err = tree_remove(xs->tree, view, path, uncount_cb, &c);
    if (err && t)
        t->broken = true;
    if (!err)
        trans_changed(xs, t, &gone, true);
    free(perms);
    return err;
}

int store_set_perms(struct xsd *xs, struct trans *t, struct node *n,
                    const struct xs_permissions *perms, unsigned int nperms)
{
    struct node before = { .path = n->path, .perms = n->perms,
                           .nperms = n->nperms };
    uint32_t old_owner = n->perms[0].id;

    /* Announced to those who could read the node before the change, as in
     * Xen: a domain losing access still learns that it did. */
    n->perms = NULL;
    if (node_set_perms(n, perms, nperms)) {
        n->perms = before.perms;
        return -ENOMEM;
    }
    trans_nodes_add(xs, t, old_owner, -1);
    trans_nodes_add(xs, t, perms[0].id, 1);
    trans_changed(xs, t, &before, false);
    free(before.perms);
    return 0;
}
