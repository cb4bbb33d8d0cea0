/* Watch registration and event delivery (see watch.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "domain.h"
#include "path.h"
#include "sv/util.h"
#include "watch.h"

static void watch_free(struct watch *w)
{
    free(w->path);
    free(w->token);
    free(w);
}

/* Queues an event for w, path shortened for relative watches. */
static void send_event(struct conn *conn, const struct watch *w, const char *path)
{
    size_t skip = strlen(path) >= w->strip ? w->strip : 0;

    /* Dropped events are counted by the connection. */
    conn_send_event(conn, path + skip, w->token);
}

static struct watch *fail(int err)
{
    errno = err;
    return NULL;
}

struct watch *watch_add(struct conn *conn, const char *path, const char *token, size_t strip)
{
    struct domain *d = NULL;
    struct watch *w;

    LIST_FOREACH(w, &conn->watches, link)
    if (!strcmp(w->path, path) && !strcmp(w->token, token))
        return fail(EEXIST);
    if (!conn->privileged) {
        d = domain_get(conn->xs, conn->domid);
        if (!d)
            return fail(ENOMEM);
        if (d->watches >= domain_quota(conn->xs, conn->domid, Q_WATCHES))
            return fail(E2BIG);
    }
    w = calloc(1, sizeof(*w));
    if (!w || !(w->path = strdup(path)) || !(w->token = strdup(token))) {
        if (w)
            watch_free(w);
        return fail(ENOMEM);
    }
    w->strip = strip;
    LIST_INSERT_HEAD(&conn->watches, w, link);
    if (d)
        d->watches++;
    return w;
}

void watch_fire_initial(struct conn *conn, const struct watch *w)
{
    send_event(conn, w, w->path);
}

static void watch_unlink(struct conn *conn, struct watch *w)
{
    struct domain *d = conn->privileged ? NULL : domain_find(conn->xs, conn->domid);

    LIST_REMOVE(w, link);
    if (d && d->watches)
        d->watches--;
    watch_free(w);
}

int watch_del(struct conn *conn, const char *path, const char *token)
{
    struct watch *w;

    LIST_FOREACH(w, &conn->watches, link)
    {
        if (!strcmp(w->path, path) && !strcmp(w->token, token)) {
            watch_unlink(conn, w);
            return 0;
        }
    }
    return -ENOENT;
}

void watch_del_all(struct conn *conn)
{
    while (!LIST_EMPTY(&conn->watches))
        watch_unlink(conn, LIST_FIRST(&conn->watches));
}

static void fire_conn(struct conn *conn, const char *path, enum watch_scope scope)
{
    struct watch *w;

    LIST_FOREACH(w, &conn->watches, link)
    {
        if (scope == WATCH_EXACT ? !strcmp(path, w->path) : path_is_below(path, w->path))
            send_event(conn, w, path);
        else if (scope == WATCH_TREE && path_is_below(w->path, path))
            send_event(conn, w, w->path);
    }
}

void watch_fire(struct xsd *xs, const char *path, enum watch_scope scope,
                const struct xs_permissions *perms, unsigned int nperms,
                const struct xs_permissions *perms2, unsigned int nperms2)
{
    struct conn *conn;

    TAILQ_FOREACH(conn, &xs->conns, link)
    {
        if (LIST_EMPTY(&conn->watches))
            continue;
        /* Don't leak the existence of what the watcher may not read. */
        if (!(domain_perms_for(conn, perms, nperms) & XS_PERM_READ) &&
            !(perms2 && (domain_perms_for(conn, perms2, nperms2) & XS_PERM_READ)))
            continue;
        fire_conn(conn, path, scope);
    }
}

static const char *const special_names[] = {"@introduceDomain", "@releaseDomain"};

int watch_specials_init(struct xsd *xs)
{
    for (size_t i = 0; i < ARRAY_SIZE(xs->specials); i++) {
        struct special *sp = &xs->specials[i];

        sp->name = special_names[i];
        sp->perms = calloc(1, sizeof(*sp->perms));
        if (!sp->perms)
            return -ENOMEM;
        sp->nperms = 1; /* { 0, XS_PERM_NONE } */
    }
    return 0;
}

void watch_specials_free(struct xsd *xs)
{
    for (size_t i = 0; i < ARRAY_SIZE(xs->specials); i++)
        free(xs->specials[i].perms);
}

struct special *watch_special(struct xsd *xs, const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(xs->specials); i++)
        if (xs->specials[i].name && !strcmp(xs->specials[i].name, name))
            return &xs->specials[i];
    return NULL;
}

void watch_fire_special(struct xsd *xs, const char *name)
{
    const struct special *sp = watch_special(xs, name);
    struct conn *conn;
    struct watch *w;

    TAILQ_FOREACH(conn, &xs->conns, link)
    {
        if (!(domain_perms_for(conn, sp->perms, sp->nperms) & XS_PERM_READ))
            continue;
        LIST_FOREACH(w, &conn->watches, link)
        if (!strcmp(w->path, name))
            send_event(conn, w, name);
    }
}
