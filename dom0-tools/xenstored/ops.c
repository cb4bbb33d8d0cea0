/*
 * The xs_wire.h request handlers and their dispatch table.  Each handler
 * do_<op>(req) parses its payload, checks permissions and quotas, and either
 * queues its reply and returns 0, or returns an errno that ops_dispatch()
 * sends back as XS_ERROR.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/log.h"
#include "sv/util.h"
#include "sv/xs_proto.h"
#include "conn.h"
#include "control.h"
#include "domain.h"
#include "ops.h"
#include "path.h"
#include "store.h"
#include "trans.h"
#include "watch.h"

#define MAX_ARGS 8

struct req {
    struct conn *conn;
    const struct xsd_sockmsg *hdr;
    const char *body; /* hdr->len bytes, NUL added after them */
    struct trans *t;  /* transaction named by tx_id, or NULL */
};

static struct txn *view(const struct req *r)
{
    return r->t ? r->t->view : NULL;
}

/* In a transaction, a request that took it over a quota, or half-failed in
 * it, fails as a whole (and so will the commit). */
static int trans_verdict(struct req *r)
{
    if (!r->t)
        return 0;
    trans_charge(r->conn, r->t);
    return trans_error(r->t);
}

static int reply(struct req *r, const void *data, size_t len)
{
    int err = trans_verdict(r);

    if (err)
        return err;
    return -conn_send(r->conn, r->hdr->type, r->hdr->req_id, r->hdr->tx_id, data, len);
}

static int ack(struct req *r)
{
    return reply(r, "OK", 3);
}

/* Splits the payload into exactly n NUL-terminated strings; with rest, the
 * bytes after the n-th string are returned there (XS_WRITE's value). */
static int split_args(const struct req *r, const char **v, unsigned int n, const char **rest,
                      unsigned int *restlen)
{
    const char *p = r->body, *end = r->body + r->hdr->len;

    for (unsigned int i = 0; i < n; i++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));

        if (!nul)
            return EINVAL;
        v[i] = p;
        p = nul + 1;
    }
    if (rest) {
        *rest = p;
        *restlen = (unsigned int)(end - p);
        return 0;
    }
    return p == end ? 0 : EINVAL;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;

    if (*s < '0' || *s > '9')
        return EINVAL;
    errno = 0;
    *out = strtoul(s, &end, 0);
    return (errno || *end || *out > max) ? EINVAL : 0;
}

static int domid_arg(const struct req *r, uint32_t *domid)
{
    const char *v[1];
    unsigned long id;
    int err = split_args(r, v, 1, NULL, NULL) ?: parse_uint(v[0], UINT16_MAX, &id);

    *domid = (uint32_t)id;
    return err;
}

static int canon(const struct req *r, const char *in, char *out)
{
    return -path_canon(r->conn->domid, in, false, out, NULL);
}

/*
 * The nearest existing ancestor of the absent path, and in *missing the
 * levels of path below it.  Looked for from the root down, so a deep absent
 * path costs one lookup past what exists rather than one per missing level.
 * Inside a transaction only that ancestor is recorded: a missing level
 * appearing changes its generation, so the commit still sees the conflict.
 */
static const struct node *nearest_ancestor(struct req *r, const char *path, unsigned int *missing)
{
    struct tree *tree = r->conn->xs->tree;
    const struct node *n = tree_peek(tree, view(r), "/"), *next;
    char buf[PATH_BUF];
    const char *end = path;

    *missing = 0;
    while (*end && *(end + 1)) {
        end = strchrnul(end + 1, '/');
        memcpy(buf, path, (size_t)(end - path));
        buf[end - path] = '\0';
        next = tree_peek(tree, view(r), buf);
        if (!next) {
            for (*missing = 1; *end; end++)
                *missing += *end == '/';
            break;
        }
        n = next;
    }
    return tree_get(tree, view(r), n->path);
}

/* Xen's rule for a node we may not see: ENOENT only when the nearest
 * existing ancestor grants perm, else EACCES, so absence leaks nothing. */
static int errno_from_parents(struct req *r, const char *path, unsigned int perm)
{
    unsigned int missing;
    const struct node *n = nearest_ancestor(r, path, &missing);

    if (!n)
        return EACCES;
    return (domain_perms_for(r->conn, n->perms, n->nperms) & perm) ? ENOENT : EACCES;
}

/* The node at canonical path if conn has perm on it; errno otherwise. */
static int lookup(struct req *r, const char *path, unsigned int perm, const struct node **out)
{
    const struct node *n = tree_get(r->conn->xs->tree, view(r), path);

    if (!n)
        return errno_from_parents(r, path, perm);
    if ((domain_perms_for(r->conn, n->perms, n->nperms) & perm) != perm)
        return EACCES;
    *out = n;
    return 0;
}

static int lookup_arg(struct req *r, unsigned int perm, char *path, const struct node **out)
{
    const char *v[1];

    return split_args(r, v, 1, NULL, NULL) ?: canon(r, v[0], path) ?: lookup(r, path, perm, out);
}

static struct node *mutable(struct req *r, const char *path)
{
    struct node *n = tree_get_mut(r->conn->xs->tree, view(r), path);

    if (!n && r->t)
        trans_fail(r->t, ENOMEM);
    return n;
}

static bool over_size(const struct req *r, const struct node *n, unsigned int newlen)
{
    return !r->conn->privileged &&
           node_size(n) - n->len + newlen >= r->conn->xs->quota[Q_NODE_SIZE];
}

/* Whether more bytes for owner's nodes would take it over its memory
 * quota (dom0 connections and dom0's nodes are exempt). */
static bool over_memory(struct req *r, uint32_t owner, size_t more)
{
    return !r->conn->privileged && owner != 0 &&
           trans_memory(r->conn->xs, r->t, owner) + more >
               domain_quota(r->conn->xs, owner, Q_MEMORY);
}

/* Creates path and its missing ancestors, for a value of vlen bytes (the
 * memory quota must hold both).  Each inherits its parent's permissions;
 * an unprivileged writer owns what it creates (Xen's rule). */
static int create_path(struct req *r, const char *path, size_t vlen, struct node **out)
{
    struct xsd *xs = r->conn->xs;
    unsigned int levels;
    const struct node *base = nearest_ancestor(r, path, &levels);
    struct xs_permissions perms[QUOTA_PERMS + 64];
    unsigned int nperms;
    char buf[PATH_BUF];
    const char *end = path;

    if (!base)
        return ENOMEM;
    nperms = base->nperms;
    if (nperms > ARRAY_SIZE(perms))
        return ENOMEM;
    if (!r->conn->privileged && (trans_nodes(xs, r->t, r->conn->domid) + levels >
                                     domain_quota(xs, r->conn->domid, Q_NODES) ||
                                 /* An upper bound of node_cost() of each new node, and of the
                                  * child names their parents gain. */
                                 over_memory(r, r->conn->domid,
                                             vlen + strlen(path) +
                                                 levels * (sizeof(struct node) + strlen(path) +
                                                           nperms * sizeof(*perms) + 64))))
        return ENOSPC;
    memcpy(perms, base->perms, nperms * sizeof(*perms));
    if (!r->conn->privileged)
        perms[0].id = r->conn->domid;
    end += strlen(base->path) == 1 ? 0 : strlen(base->path);
    while (levels--) {
        end = strchr(end + 1, '/');
        if (!end)
            end = path + strlen(path);
        memcpy(buf, path, (size_t)(end - path));
        buf[end - path] = '\0';
        *out = store_add(xs, r->t, buf, perms, nperms);
        if (!*out) {
            if (r->t)
                trans_fail(r->t, ENOMEM);
            return errno;
        }
    }
    return 0;
}

static int do_write(struct req *r)
{
    char path[PATH_BUF];
    const char *v[1], *data;
    const struct node *n;
    struct node *m;
    unsigned int len;
    int err = split_args(r, v, 1, &data, &len) ?: canon(r, v[0], path);

    if (err)
        return err;
    /* Refuse an oversized value before creating anything for it. */
    if (!r->conn->privileged && len >= r->conn->xs->quota[Q_NODE_SIZE])
        return ENOSPC;
    err = lookup(r, path, XS_PERM_WRITE, &n);
    if (!err && over_size(r, n, len))
        return ENOSPC;
    if (err == ENOENT)
        err = create_path(r, path, len, &m);
    else if (!err && !(m = mutable(r, path)))
        err = errno;
    if (err)
        return err;
    if (over_size(r, m, len) || (len > m->len && over_memory(r, m->perms[0].id, len - m->len)))
        return ENOSPC;
    if (store_set_data(r->conn->xs, r->t, m, data, len))
        return ENOMEM;
    trans_changed(r->conn->xs, r->t, m, NULL, WATCH_NODE);
    return ack(r);
}

static int do_mkdir(struct req *r)
{
    char path[PATH_BUF];
    const struct node *n;
    struct node *m;
    int err = lookup_arg(r, XS_PERM_WRITE, path, &n);

    if (err != ENOENT)
        return err ?: ack(r);
    err = create_path(r, path, 0, &m);
    if (err)
        return err;
    trans_changed(r->conn->xs, r->t, m, NULL, WATCH_NODE);
    return ack(r);
}

static int do_rm(struct req *r)
{
    char path[PATH_BUF];
    const struct node *n;
    int err = lookup_arg(r, XS_PERM_WRITE, path, &n);

    if (err == ENOENT) {
        /* Removing what is not there is fine if its parent is. */
        char *slash = strrchr(path, '/');

        slash[slash == path ? 1 : 0] = '\0';
        return tree_get(r->conn->xs->tree, view(r), path) ? ack(r) : ENOENT;
    }
    if (err)
        return err;
    if (strcmp(path, "/") == 0)
        return EINVAL;
    err = -store_remove(r->conn->xs, r->t, path);
    return err ?: ack(r);
}

static int do_read(struct req *r)
{
    char path[PATH_BUF];
    const struct node *n;

    return lookup_arg(r, XS_PERM_READ, path, &n) ?: reply(r, n->data, n->len);
}

/* Child names of n from byte offset off of the NUL-separated list, as many
 * as fit in max bytes: written to buf, length returned. */
static size_t children_from(const struct node *n, size_t off, char *buf, size_t max, bool *complete)
{
    size_t pos = 0, len = 0, clen;

    *complete = true;
    for (unsigned int i = 0; i < n->nchildren; i++, pos += clen) {
        clen = strlen(n->children[i]) + 1;
        if (pos < off)
            continue;
        if (len + clen > max) {
            *complete = false;
            break;
        }
        memcpy(buf + len, n->children[i], clen);
        len += clen;
    }
    return len;
}

static int do_directory(struct req *r)
{
    char path[PATH_BUF], buf[XENSTORE_PAYLOAD_MAX];
    const struct node *n;
    bool complete;
    size_t len;
    int err = lookup_arg(r, XS_PERM_READ, path, &n);

    if (err)
        return err;
    len = children_from(n, 0, buf, sizeof(buf), &complete);
    return complete ? reply(r, buf, len) : E2BIG;
}

static int do_directory_part(struct req *r)
{
    char path[PATH_BUF], buf[XENSTORE_PAYLOAD_MAX];
    const char *v[2];
    const struct node *n;
    unsigned long off;
    size_t gen, len;
    bool complete;
    int err = split_args(r, v, 2, NULL, NULL) ?: canon(r, v[0], path) ?:
              parse_uint(v[1], UINT_MAX, &off) ?:
              lookup(r, path, XS_PERM_READ, &n);

    if (err)
        return err;
    gen = (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, n->gen) + 1;
    len = children_from(n, off, buf + gen, sizeof(buf) - gen - 1, &complete);
    if (complete)
        buf[gen + len++] = '\0'; /* an empty name ends the list */
    return reply(r, buf, gen + len);
}

static int reply_perms(struct req *r, const struct xs_permissions *perms, unsigned int nperms)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t len = 0;
    int w;

    for (unsigned int i = 0; i < nperms; i++) {
        w = xs_proto_perm_format(&perms[i], buf + len, sizeof(buf) - len);
        if (w < 0)
            return E2BIG;
        len += (size_t)w + 1;
    }
    return reply(r, buf, len);
}

/* The permissions of a special name ("@releaseDomain"), with perm on it. */
static int lookup_special(struct req *r, const char *name, unsigned int perm, struct special **out)
{
    struct special *sp = watch_special(r->conn->xs, name);

    if (!sp)
        return ENOENT;
    if ((domain_perms_for(r->conn, sp->perms, sp->nperms) & perm) != perm)
        return EACCES;
    *out = sp;
    return 0;
}

static int do_get_perms(struct req *r)
{
    char path[PATH_BUF];
    const char *v[1];
    const struct node *n;
    struct special *sp;
    int err = split_args(r, v, 1, NULL, NULL);

    if (err)
        return err;
    if (v[0][0] == '@')
        return lookup_special(r, v[0], XS_PERM_READ, &sp) ?: reply_perms(r, sp->perms, sp->nperms);
    return canon(r, v[0], path) ?: lookup(r, path, XS_PERM_READ, &n) ?:
           reply_perms(r, n->perms, n->nperms);
}

static int parse_perms(const struct req *r, const char *p, struct xs_permissions *perms,
                       unsigned int *nperms)
{
    const char *end = r->body + r->hdr->len;
    unsigned int n = 0;

    while (p < end) {
        if (!memchr(p, '\0', (size_t)(end - p)) || n == *nperms)
            return n == *nperms ? ENOSPC : EINVAL;
        if (xs_proto_perm_parse(p, &perms[n++]))
            return EINVAL;
        p += strlen(p) + 1;
    }
    *nperms = n;
    return n ? 0 : EINVAL;
}

/* SET_PERMS on "@introduceDomain"/"@releaseDomain": who gets the event. */
static int set_special_perms(struct req *r, const char *name, const struct xs_permissions *perms,
                             unsigned int nperms)
{
    struct xs_permissions *copy;
    struct special *sp;
    int err = lookup_special(r, name, XS_PERM_WRITE | XS_PERM_OWNER, &sp);

    if (err)
        return err;
    if (!r->conn->privileged && perms[0].id != sp->perms[0].id)
        return EPERM;
    copy = calloc(nperms, sizeof(*copy));
    if (!copy)
        return ENOMEM;
    memcpy(copy, perms, nperms * sizeof(*copy));
    free(sp->perms);
    sp->perms = copy;
    sp->nperms = nperms;
    return ack(r);
}

static int do_set_perms(struct req *r)
{
    struct xs_permissions perms[64];
    unsigned int nperms = ARRAY_SIZE(perms);
    char path[PATH_BUF];
    const char *v[1], *rest;
    const struct node *n;
    struct node *m;
    unsigned int restlen;
    int err;

    if (!r->conn->privileged && r->conn->xs->quota[Q_PERMS] < nperms)
        nperms = r->conn->xs->quota[Q_PERMS];
    err = split_args(r, v, 1, &rest, &restlen) ?: parse_perms(r, rest, perms, &nperms);

    if (err)
        return err;
    if (v[0][0] == '@')
        return set_special_perms(r, v[0], perms, nperms);
    err = canon(r, v[0], path) ?: lookup(r, path, XS_PERM_WRITE | XS_PERM_OWNER, &n);
    if (err)
        return err;
    /* Only dom0 gives a node away. */
    if (!r->conn->privileged && perms[0].id != n->perms[0].id)
        return EPERM;
    if (!(m = mutable(r, path)))
        return errno;
    if (store_set_perms(r->conn->xs, r->t, m, perms, nperms))
        return ENOMEM;
    return ack(r);
}

static int do_watch(struct req *r)
{
    char path[PATH_BUF];
    const char *v[2];
    struct watch *w;
    size_t strip;
    int err =
        split_args(r, v, 2, NULL, NULL) ?: -path_canon(r->conn->domid, v[0], true, path, &strip);

    if (err)
        return err;
    w = watch_add(r->conn, path, v[1], strip);
    if (!w)
        return errno;
    err = ack(r);
    watch_fire_initial(r->conn, w);
    return err;
}

static int do_unwatch(struct req *r)
{
    char path[PATH_BUF];
    const char *v[2];
    int err = split_args(r, v, 2, NULL, NULL) ?:
              -path_canon(r->conn->domid, v[0], true, path, NULL) ?:
              -watch_del(r->conn, path, v[1]);

    return err ?: ack(r);
}

static int do_reset_watches(struct req *r)
{
    watch_del_all(r->conn);
    trans_free_all(r->conn);
    return ack(r);
}

static int do_transaction_start(struct req *r)
{
    struct trans *t;
    char id[16];

    if (r->t)
        return EBUSY;
    t = trans_start(r->conn);
    if (!t)
        return errno;
    return reply(r, id, (size_t)snprintf(id, sizeof(id), "%u", t->id) + 1);
}

static int do_transaction_end(struct req *r)
{
    const char *v[1];
    int err = split_args(r, v, 1, NULL, NULL);

    if (err || (strcmp(v[0], "T") && strcmp(v[0], "F")))
        return EINVAL;
    if (!r->t)
        return ENOENT;
    err = -trans_end(r->conn, r->t, v[0][0] == 'T');
    r->t = NULL;
    return err ?: ack(r);
}

static int do_introduce(struct req *r)
{
    const char *v[3];
    unsigned long domid, mfn, port;
    int err = split_args(r, v, 3, NULL, NULL) ?:
              parse_uint(v[0], UINT16_MAX, &domid) ?:
              parse_uint(v[1], ULONG_MAX, &mfn) ?:
              parse_uint(v[2], UINT_MAX, &port) ?:
              -domain_introduce(r->conn->xs, (uint32_t)domid, mfn,
                                (unsigned int)port);

    return err ?: ack(r);
}

static int do_release(struct req *r)
{
    uint32_t domid;
    int err = domid_arg(r, &domid) ?: -domain_release(r->conn->xs, domid);

    return err ?: ack(r);
}

static int do_resume(struct req *r)
{
    uint32_t domid;
    int err = domid_arg(r, &domid) ?: -domain_resume(r->conn->xs, domid);

    return err ?: ack(r);
}

static int do_is_domain_introduced(struct req *r)
{
    uint32_t domid;
    int err = domid_arg(r, &domid);

    if (err)
        return err;
    /* dom0 is always there, as in Xen. */
    return reply(r, (domid == 0 || domain_introduced(r->conn->xs, domid)) ? "T" : "F", 2);
}

static int do_get_domain_path(struct req *r)
{
    char buf[PATH_BUF];
    uint32_t domid;
    int err = domid_arg(r, &domid);

    return err ?: reply(r, buf, path_home(domid, buf) + 1);
}

static int do_set_target(struct req *r)
{
    const char *v[2];
    unsigned long domid, target;
    struct domain *d;
    int err = split_args(r, v, 2, NULL, NULL) ?:
              parse_uint(v[0], UINT16_MAX, &domid) ?:
              parse_uint(v[1], UINT16_MAX, &target);

    if (err)
        return err;
    d = domain_introduced(r->conn->xs, (uint32_t)domid);
    if (!d)
        return ENOENT;
    d->target = (uint32_t)target;
    return ack(r);
}

/* "<command>\0<arg>\0...": see control.h. */
static int do_control(struct req *r)
{
    const char *v[MAX_ARGS], *p = r->body, *end = r->body + r->hdr->len;
    unsigned int n = 0;
    char *resp;
    int err;

    while (p < end && n < MAX_ARGS) {
        if (!memchr(p, '\0', (size_t)(end - p)))
            return EINVAL;
        v[n++] = p;
        p += strlen(p) + 1;
    }
    if (!n || p < end)
        return EINVAL;
    err = control_run(r->conn, v, n, &resp);
    if (!err)
        err = reply(r, resp, strlen(resp) + 1);
    free(resp);
    return err;
}

#define OP_PRIV 1u /* privileged connections only (EACCES otherwise) */
#define OP_TX   2u /* works inside the transaction tx_id names */

static const struct op {
    const char *name;
    int (*fn)(struct req *r);
    unsigned int flags;
} ops[XS_TYPE_COUNT] = {
    [XS_CONTROL] = {"CONTROL", do_control, OP_PRIV},
    [XS_DIRECTORY] = {"DIRECTORY", do_directory, OP_TX},
    [XS_READ] = {"READ", do_read, OP_TX},
    [XS_GET_PERMS] = {"GET_PERMS", do_get_perms, OP_TX},
    [XS_WATCH] = {"WATCH", do_watch, 0},
    [XS_UNWATCH] = {"UNWATCH", do_unwatch, 0},
    [XS_TRANSACTION_START] = {"TRANSACTION_START", do_transaction_start, OP_TX},
    [XS_TRANSACTION_END] = {"TRANSACTION_END", do_transaction_end, OP_TX},
    [XS_INTRODUCE] = {"INTRODUCE", do_introduce, OP_PRIV},
    [XS_RELEASE] = {"RELEASE", do_release, OP_PRIV},
    [XS_GET_DOMAIN_PATH] = {"GET_DOMAIN_PATH", do_get_domain_path, 0},
    [XS_WRITE] = {"WRITE", do_write, OP_TX},
    [XS_MKDIR] = {"MKDIR", do_mkdir, OP_TX},
    [XS_RM] = {"RM", do_rm, OP_TX},
    [XS_SET_PERMS] = {"SET_PERMS", do_set_perms, OP_TX},
    [XS_IS_DOMAIN_INTRODUCED] = {"IS_DOMAIN_INTRODUCED", do_is_domain_introduced, OP_PRIV},
    [XS_RESUME] = {"RESUME", do_resume, OP_PRIV},
    [XS_SET_TARGET] = {"SET_TARGET", do_set_target, OP_PRIV},
    [XS_RESET_WATCHES] = {"RESET_WATCHES", do_reset_watches, 0},
    [XS_DIRECTORY_PART] = {"DIRECTORY_PART", do_directory_part, OP_TX},
};

static int dispatch(struct req *r)
{
    const struct op *op = r->hdr->type < XS_TYPE_COUNT ? &ops[r->hdr->type] : NULL;

    /* Xen's answer to a type it does not serve (a reply or event type, or
     * one from a later protocol): ENOSYS, so a client can probe. */
    if (!op || !op->fn)
        return ENOSYS;
    log_debug("dom%u: %s", r->conn->domid, op->name);
    if ((op->flags & OP_PRIV) && !r->conn->privileged)
        return EACCES;
    if ((op->flags & OP_TX) && r->hdr->tx_id && !(r->t = trans_find(r->conn, r->hdr->tx_id)))
        return ENOENT;
    if (r->t && op->fn != do_transaction_end && trans_error(r->t))
        return trans_error(r->t);
    return op->fn(r);
}

void ops_dispatch(struct conn *conn, const struct xsd_sockmsg *hdr, const char *body)
{
    struct req r = {conn, hdr, body, NULL};
    const char *name;
    int err = dispatch(&r);

    if (!err)
        return;
    err = trans_verdict(&r) ?: err;
    name = xs_proto_errname(err);
    conn_send(conn, XS_ERROR, hdr->req_id, hdr->tx_id, name, strlen(name) + 1);
}
