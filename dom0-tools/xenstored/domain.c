/* Domain records, the permission rule and domain introduction/release (see
 * domain.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <xen/xen.h>

#include "sv/log.h"
#include "sv/util.h"
#include "conn.h"
#include "domain.h"
#include "store.h"
#include "watch.h"

struct domain *domain_find(struct xsd *xs, uint32_t domid)
{
    struct domain *d;

    LIST_FOREACH(d, &xs->domains, link)
    if (d->domid == domid)
        return d;
    return NULL;
}

struct domain *domain_get(struct xsd *xs, uint32_t domid)
{
    struct domain *d = domain_find(xs, domid);

    if (d)
        return d;
    d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->domid = domid;
    d->target = DOMID_NONE;
    LIST_INSERT_HEAD(&xs->domains, d, link);
    return d;
}

void domain_free_all(struct xsd *xs)
{
    struct domain *d;

    while ((d = LIST_FIRST(&xs->domains))) {
        LIST_REMOVE(d, link);
        free(d);
    }
}

unsigned int domain_quota(struct xsd *xs, uint32_t domid, int q)
{
    struct domain *d = domain_find(xs, domid);

    return d && d->quota[q] ? d->quota[q] : xs->quota[q];
}

void domain_memory_add(struct xsd *xs, uint32_t domid, long delta)
{
    struct domain *d;

    if (domid == 0 || !(d = domain_get(xs, domid)))
        return;
    d->memory = delta < 0 && (size_t)-delta > d->memory ? 0 : d->memory + delta;
    if (d->memory <= xs->memory_soft) {
        d->memory_warned = false;
    } else if (!d->memory_warned) {
        d->memory_warned = true;
        log_warnx("domain %u: holds %zu bytes of xenstored's memory, over "
                  "the soft quota %u",
                  domid, d->memory, xs->memory_soft);
    }
}

bool domain_memory_over(struct xsd *xs, uint32_t domid, size_t bytes)
{
    struct domain *d = domid ? domain_find(xs, domid) : NULL;

    return domid && (d ? d->memory : 0) + bytes > domain_quota(xs, domid, Q_MEMORY);
}

static uint32_t target_of(const struct conn *conn)
{
    struct domain *d = domain_find(conn->xs, conn->domid);

    return d ? d->target : DOMID_NONE;
}

unsigned int domain_perms_for(const struct conn *conn, const struct xs_permissions *perms,
                              unsigned int nperms)
{
    const unsigned int all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
    uint32_t target = target_of(conn);

    if (conn->privileged || perms[0].id == conn->domid ||
        (target != DOMID_NONE && perms[0].id == target))
        return all;
    for (unsigned int i = 1; i < nperms; i++)
        if (perms[i].id == conn->domid || (target != DOMID_NONE && perms[i].id == target))
            return perms[i].perms & (XS_PERM_READ | XS_PERM_WRITE);
    return perms[0].perms & (XS_PERM_READ | XS_PERM_WRITE);
}

int domain_introduce(struct xsd *xs, uint32_t domid, unsigned long mfn, unsigned int port)
{
    struct domain *d;

    if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    d = domain_get(xs, domid);
    if (!d)
        return -ENOMEM;
    d->port = port;
    if (d->introduced)
        return 0;
    d->mfn = mfn;
    if (xs->connect_domain) {
        int err = xs->connect_domain(xs, d);

        if (err) {
            log_warnx("domain %u: cannot connect its ring: %s", domid, strerror(-err));
            return err;
        }
    }
    d->introduced = true;
    log_info("domain %u introduced (mfn %#lx, port %u)", domid, mfn, port);
    watch_fire_special(xs, "@introduceDomain");
    return 0;
}

struct collect_ctx {
    uint32_t domid;
    bool (*match)(const struct node *n, uint32_t domid);
    char **paths;
    size_t n, cap;
    int err;
};

static bool owned_by(const struct node *n, uint32_t domid)
{
    return n->perms[0].id == domid;
}

/* An ACL entry (not the owner) names domid. */
static bool names(const struct xs_permissions *perms, unsigned int nperms, uint32_t domid)
{
    for (unsigned int i = 1; i < nperms; i++)
        if (perms[i].id == domid)
            return true;
    return false;
}

static bool named_in(const struct node *n, uint32_t domid)
{
    return names(n->perms, n->nperms, domid);
}

static bool collect_cb(const struct node *n, void *arg)
{
    struct collect_ctx *c = arg;

    if (!c->match(n, c->domid))
        return true;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        char **p = realloc(c->paths, cap * sizeof(*p));

        if (!p) {
            c->err = -ENOMEM;
            return false;
        }
        c->paths = p;
        c->cap = cap;
    }
    c->paths[c->n] = strdup(n->path);
    if (!c->paths[c->n]) {
        c->err = -ENOMEM;
        return false;
    }
    c->n++;
    return true;
}

/* The paths of the nodes that match (the tree cannot change while it is
 * walked); *n of them, NULL when none or out of memory (logged). */
static char **collect(struct xsd *xs, uint32_t domid,
                      bool (*match)(const struct node *n, uint32_t domid), size_t *n)
{
    struct collect_ctx c = {.domid = domid, .match = match};

    tree_foreach(xs->tree, collect_cb, &c);
    if (c.err)
        log_warnx("domain %u: out of memory listing its nodes", domid);
    *n = c.n;
    return c.paths;
}

/* Xen (since 4.17) deletes what a vanished domain owned, so a guest cannot
 * grow xenstore across reboots with nodes outside its home. */
static void remove_owned(struct xsd *xs, uint32_t domid)
{
    size_t n;
    char **paths = collect(xs, domid, owned_by, &n);

    for (size_t i = 0; i < n; i++) {
        /* Already gone with an ancestor: -ENOENT is expected. */
        store_remove(xs, NULL, paths[i]);
        free(paths[i]);
    }
    free(paths);
}

/* Copies perms without the entries naming domid; returns how many stay. */
static unsigned int perms_without(const struct xs_permissions *perms, unsigned int nperms,
                                  uint32_t domid, struct xs_permissions *out)
{
    unsigned int k = 1;

    out[0] = perms[0];
    for (unsigned int i = 1; i < nperms; i++)
        if (perms[i].id != domid)
            out[k++] = perms[i];
    return k;
}

/* Rights granted to a domain die with it: a later domain given the same id
 * must not inherit them (Xen drops them too).  Permissions naming a domain
 * that was never introduced stay: the toolstack grants them before it
 * introduces the domain, as libxl does. */
static void forget_grants(struct xsd *xs, uint32_t domid)
{
    struct xs_permissions *perms;
    struct node *node;
    struct domain *d;
    size_t n;
    char **paths = collect(xs, domid, named_in, &n);

    for (size_t i = 0; i < n; i++) {
        unsigned int k = 0;

        node = tree_get_mut(xs->tree, NULL, paths[i]);
        perms = node ? calloc(node->nperms, sizeof(*perms)) : NULL;
        if (perms)
            k = perms_without(node->perms, node->nperms, domid, perms);
        if (!perms || store_set_perms_quiet(xs, node, perms, k))
            log_warnx("domain %u: cannot drop its rights on %s", domid, paths[i]);
        free(perms);
        free(paths[i]);
    }
    free(paths);
    for (size_t i = 0; i < ARRAY_SIZE(xs->specials); i++) {
        struct special *sp = &xs->specials[i];

        if (names(sp->perms, sp->nperms, domid))
            sp->nperms = perms_without(sp->perms, sp->nperms, domid, sp->perms);
    }
    LIST_FOREACH(d, &xs->domains, link)
    if (d->target == domid)
        d->target = DOMID_NONE;
}

struct domain *domain_introduced(struct xsd *xs, uint32_t domid)
{
    struct domain *d = domain_find(xs, domid);

    return d && d->introduced ? d : NULL;
}

int domain_release(struct xsd *xs, uint32_t domid)
{
    struct domain *d = domain_introduced(xs, domid);
    struct conn *c, *next;

    if (!d)
        return -ENOENT;
    for (c = TAILQ_FIRST(&xs->conns); c; c = next) {
        next = TAILQ_NEXT(c, link);
        if (c->domid == domid)
            conn_destroy(c);
    }
    remove_owned(xs, domid);
    forget_grants(xs, domid);
    LIST_REMOVE(d, link);
    free(d);
    log_info("domain %u released", domid);
    watch_fire_special(xs, "@releaseDomain");
    return 0;
}

int domain_shutdown(struct xsd *xs, uint32_t domid)
{
    struct domain *d = domain_introduced(xs, domid);

    if (!d)
        return -ENOENT;
    if (!d->shutdown) {
        d->shutdown = true;
        watch_fire_special(xs, "@releaseDomain");
    }
    return 0;
}

int domain_resume(struct xsd *xs, uint32_t domid)
{
    struct domain *d = domain_introduced(xs, domid);

    if (!d)
        return -ENOENT;
    d->shutdown = false;
    return 0;
}
