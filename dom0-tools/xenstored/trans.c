/* Transactions: views, held-back watch events and node counts (see
 * trans.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "trans.h"
#include "watch.h"

struct trans *trans_start(struct conn *conn)
{
    struct trans *t;

    struct xsd *xs = conn->xs;

    if (!conn->privileged && conn->ntrans >= xs->quota[Q_TRANSACTIONS]) {
        errno = ENOSPC;
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    if (!t || !(t->view = tree_txn_begin(xs->tree,
                                         conn->privileged ? UINT_MAX : xs->quota[Q_TRANS_NODES]))) {
        free(t);
        errno = ENOMEM;
        return NULL;
    }
    /* Ids are never 0 (XBT_NULL) and not reused soon. */
    do {
        t->id = ++conn->next_tx_id;
    } while (t->id == 0 || trans_find(conn, t->id));
    LIST_INSERT_HEAD(&conn->trans, t, link);
    conn->ntrans++;
    return t;
}

struct trans *trans_find(struct conn *conn, uint32_t id)
{
    struct trans *t;

    LIST_FOREACH(t, &conn->trans, link)
    if (t->id == id)
        return t;
    return NULL;
}

static void trans_free(struct conn *conn, struct trans *t)
{
    LIST_REMOVE(t, link);
    conn->ntrans--;
    for (unsigned int i = 0; i < t->nchanges; i++) {
        free(t->changes[i].path);
        free(t->changes[i].perms);
        free(t->changes[i].perms2);
    }
    free(t->changes);
    free(t->accts);
    tree_txn_free(t->view);
    if (!conn->privileged)
        domain_memory_add(conn->xs, conn->domid, -(long)t->charged);
    free(t);
}

static void apply_accounts(struct xsd *xs, const struct trans *t)
{
    for (unsigned int i = 0; i < t->naccts; i++)
        trans_owned_add(xs, NULL, t->accts[i].domid, t->accts[i].delta, t->accts[i].bytes);
}

int trans_error(const struct trans *t)
{
    return t->err ?: -tree_txn_error(t->view);
}

void trans_fail(struct trans *t, int err)
{
    if (!t->err)
        t->err = err;
}

void trans_charge(struct conn *conn, struct trans *t)
{
    size_t now;

    if (conn->privileged)
        return;
    now = tree_txn_bytes(t->view) + t->change_bytes;
    domain_memory_add(conn->xs, conn->domid, (long)now - (long)t->charged);
    t->charged = now;
    if (domain_memory_over(conn->xs, conn->domid, 0))
        trans_fail(t, ENOSPC);
}

static void announce(struct xsd *xs, const struct trans *t)
{
    for (unsigned int i = 0; i < t->nchanges; i++) {
        const struct change *c = &t->changes[i];

        watch_fire(xs, c->path, c->scope, c->perms, c->nperms, c->perms2, c->nperms2);
    }
}

int trans_end(struct conn *conn, struct trans *t, bool commit)
{
    struct xsd *xs = conn->xs;
    int err = 0;

    if (commit) {
        err = trans_error(t) ? -trans_error(t) : tree_txn_commit(xs->tree, t->view);
        if (!err) {
            apply_accounts(xs, t);
            announce(xs, t);
        }
    }
    trans_free(conn, t);
    return err;
}

void trans_free_all(struct conn *conn)
{
    while (!LIST_EMPTY(&conn->trans))
        trans_free(conn, LIST_FIRST(&conn->trans));
}

static bool same_perms(const struct xs_permissions *a, unsigned int na,
                       const struct xs_permissions *b, unsigned int nb)
{
    return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

static struct xs_permissions *perms_dup(const struct xs_permissions *p, unsigned int n)
{
    struct xs_permissions *copy = calloc(n ? n : 1, sizeof(*copy));

    if (copy && n)
        memcpy(copy, p, n * sizeof(*copy));
    return copy;
}

static int record_change(struct trans *t, const struct node *n, const struct node *after,
                         enum watch_scope scope)
{
    unsigned int nperms2 = after ? after->nperms : 0;
    struct change *c;

    /* The same change again (a node written over and over) is announced
     * once: the record must not grow with the number of requests. */
    for (unsigned int i = 0; i < t->nchanges; i++) {
        c = &t->changes[i];
        if (c->scope == scope && !strcmp(c->path, n->path) &&
            same_perms(c->perms, c->nperms, n->perms, n->nperms) &&
            same_perms(c->perms2, c->nperms2, after ? after->perms : NULL, nperms2))
            return 0;
    }

    if (!(t->nchanges & (t->nchanges - 1))) {
        unsigned int cap = t->nchanges ? t->nchanges * 2 : 1;
        struct change *more = realloc(t->changes, cap * sizeof(*more));

        if (!more)
            return -ENOMEM;
        t->changes = more;
    }
    c = &t->changes[t->nchanges];
    c->path = strdup(n->path);
    c->perms = perms_dup(n->perms, n->nperms);
    c->perms2 = after ? perms_dup(after->perms, nperms2) : NULL;
    if (!c->path || !c->perms || (after && !c->perms2)) {
        free(c->path);
        free(c->perms);
        free(c->perms2);
        return -ENOMEM;
    }
    c->nperms = n->nperms;
    c->nperms2 = nperms2;
    c->scope = scope;
    t->nchanges++;
    t->change_bytes += sizeof(*c) + strlen(c->path) + 1 + (c->nperms + nperms2) * sizeof(*c->perms);
    return 0;
}

void trans_changed(struct xsd *xs, struct trans *t, const struct node *n, const struct node *after,
                   enum watch_scope scope)
{
    if (!t)
        watch_fire(xs, n->path, scope, n->perms, n->nperms, after ? after->perms : NULL,
                   after ? after->nperms : 0);
    else if (record_change(t, n, after, scope))
        trans_fail(t, ENOMEM);
}

static struct acct *acct_of(struct trans *t, uint32_t domid)
{
    for (unsigned int i = 0; i < t->naccts; i++)
        if (t->accts[i].domid == domid)
            return &t->accts[i];
    return NULL;
}

unsigned int trans_nodes(struct xsd *xs, struct trans *t, uint32_t domid)
{
    struct domain *d = domain_find(xs, domid);
    struct acct *a = t ? acct_of(t, domid) : NULL;
    long n = (d ? (long)d->nodes : 0) + (a ? a->delta : 0);

    return n > 0 ? (unsigned int)n : 0;
}

size_t trans_memory(struct xsd *xs, struct trans *t, uint32_t domid)
{
    struct domain *d = domain_find(xs, domid);
    struct acct *a = t ? acct_of(t, domid) : NULL;
    long n = (d ? (long)d->memory : 0) + (a ? a->bytes : 0);

    return n > 0 ? (size_t)n : 0;
}

void trans_owned_add(struct xsd *xs, struct trans *t, uint32_t domid, int nodes, long bytes)
{
    struct domain *d;
    struct acct *a;

    if (domid == 0)
        return; /* dom0 is exempt: no need to count */
    if (!t) {
        d = domain_get(xs, domid);
        if (d)
            d->nodes = (int)d->nodes + nodes > 0 ? d->nodes + nodes : 0;
        domain_memory_add(xs, domid, bytes);
        return;
    }
    a = acct_of(t, domid);
    if (!a) {
        a = realloc(t->accts, (t->naccts + 1) * sizeof(*a));
        if (!a) {
            trans_fail(t, ENOMEM);
            return;
        }
        t->accts = a;
        a = &t->accts[t->naccts++];
        a->domid = domid;
        a->delta = 0;
        a->bytes = 0;
    }
    a->delta += nodes;
    a->bytes += bytes;
}
