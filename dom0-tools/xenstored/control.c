/* XS_CONTROL commands (see control.h); output formats follow Xen's so that
 * scripts reading `xenstore-control` keep working. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv/log.h"
#include "sv/util.h"
#include "conn.h"
#include "control.h"
#include "domain.h"
#include "path.h"
#include "tree.h"

struct ctl {
    struct conn *conn;
    const char *const *v; /* arguments after the command name */
    unsigned int n;
    FILE *out; /* the reply text */
};

/* Xen's names and descriptions (`xenstore-control quota`). */
static const struct {
    const char *name;
    const char *descr;
} quota_names[Q_COUNT] = {
    [Q_NODES] = {"nodes", "Nodes per domain"},
    [Q_WATCHES] = {"watches", "Watches per domain"},
    [Q_OUTSTANDING] = {"outstanding", "Outstanding requests per domain"},
    [Q_MEMORY] = {"memory", "Total Xenstore memory per domain"},
    [Q_TRANSACTIONS] = {"transactions", "Active transactions per domain"},
    [Q_TRANS_NODES] = {"transaction-nodes", "Max. number of accessed nodes per transaction"},
    [Q_PERMS] = {"node-permissions", "Max. number of permissions per node"},
    [Q_NODE_SIZE] = {"node-size", "Max. size of a node"},
    [Q_REQUEST_RATE] = {"request-rate", "Requests per second per domain connection"},
    [Q_REQUEST_BURST] = {"request-burst", "Max. requests at once per domain connection"},
};

static int quota_by_name(const char *name)
{
    for (int i = 0; i < Q_COUNT; i++)
        if (!strcmp(quota_names[i].name, name))
            return i;
    return -1;
}

static int parse_value(const char *s, unsigned int *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || errno || v < 1 || v > UINT32_MAX)
        return EINVAL;
    *out = (unsigned int)v;
    return 0;
}

static int ctl_ack(struct ctl *c)
{
    fputs("OK", c->out);
    return 0;
}

/* A domain's current use of each quota. */
static int quota_domain(struct ctl *c, const char *arg)
{
    struct xsd *xs = c->conn->xs;
    unsigned int domid, outstanding = 0, trans = 0;
    struct domain *d;
    struct conn *conn;

    if (parse_value(arg, &domid) || !(d = domain_find(xs, domid)))
        return ENOENT;
    TAILQ_FOREACH(conn, &xs->conns, link)
    {
        if (conn->domid != domid || conn->privileged)
            continue;
        outstanding += conn->nout;
        trans += conn->ntrans;
    }
    fprintf(c->out, "Domain %u:\n", domid);
    fprintf(c->out, "%-17s: %8u\n", quota_names[Q_NODES].name, d->nodes);
    fprintf(c->out, "%-17s: %8u\n", quota_names[Q_WATCHES].name, d->watches);
    fprintf(c->out, "%-17s: %8u\n", quota_names[Q_OUTSTANDING].name, outstanding);
    fprintf(c->out, "%-17s: %8zu\n", quota_names[Q_MEMORY].name, d->memory);
    fprintf(c->out, "%-17s: %8u\n", quota_names[Q_TRANSACTIONS].name, trans);
    return 0;
}

/* A domain's own nodes, watches or memory quota (what a domain owns, the
 * rest being per connection or per node), or its connections' request
 * rate and burst (a driver domain serves many guests); the domain must be
 * introduced, and its quotas go when it is released. */
static int quota_set_domain(struct ctl *c, int q, unsigned int val)
{
    unsigned int domid;
    struct domain *d;

    if (q != Q_NODES && q != Q_WATCHES && q != Q_MEMORY && q != Q_REQUEST_RATE &&
        q != Q_REQUEST_BURST)
        return EINVAL;
    if (parse_value(c->v[3], &domid) || !(d = domain_introduced(c->conn->xs, domid)))
        return ENOENT;
    d->quota[q] = val;
    log_info("control: quota %s of domain %u set to %u", c->v[1], domid, val);
    return ctl_ack(c);
}

/* quota                           the hard quotas
 * quota set <name> <val>          changes one (lowering it takes nothing away)
 * quota set <name> <val> <domid>  one domain's own nodes, watches, memory,
 *                                 request-rate or request-burst
 * quota <domid>                   a domain's current use */
static int ctl_quota(struct ctl *c)
{
    struct xsd *xs = c->conn->xs;
    unsigned int val;
    int q;

    if (c->n == 0) {
        fputs("Quota settings:\n", c->out);
        for (int i = 0; i < Q_COUNT; i++)
            fprintf(c->out, "%-17s: %8u %s\n", quota_names[i].name, xs->quota[i],
                    quota_names[i].descr);
        return 0;
    }
    if (!strcmp(c->v[0], "set")) {
        if ((c->n != 3 && c->n != 4) || (q = quota_by_name(c->v[1])) < 0 ||
            parse_value(c->v[2], &val))
            return EINVAL;
        if (c->n == 4)
            return quota_set_domain(c, q, val);
        xs->quota[q] = val;
        log_info("control: quota %s set to %u", c->v[1], val);
        return ctl_ack(c);
    }
    return c->n == 1 ? quota_domain(c, c->v[0]) : EINVAL;
}

/* Only the memory quota has a soft limit (a warning in the log). */
static int ctl_quota_soft(struct ctl *c)
{
    struct xsd *xs = c->conn->xs;
    unsigned int val;

    if (c->n == 0) {
        fprintf(c->out, "Quota settings:\n%-17s: %8u %s\n", quota_names[Q_MEMORY].name,
                xs->memory_soft, quota_names[Q_MEMORY].descr);
        return 0;
    }
    if (c->n != 3 || strcmp(c->v[0], "set") || quota_by_name(c->v[1]) != Q_MEMORY ||
        parse_value(c->v[2], &val))
        return EINVAL;
    xs->memory_soft = val;
    return ctl_ack(c);
}

struct check_ctx {
    struct xsd *xs;
    unsigned int bad; /* broken links */
    struct tally {
        uint32_t domid;
        unsigned int nodes;
        size_t bytes;
    } * tally;
    size_t ntally;
    int err;
};

static struct tally *tally_of(struct check_ctx *c, uint32_t domid)
{
    struct tally *t;

    for (size_t i = 0; i < c->ntally; i++)
        if (c->tally[i].domid == domid)
            return &c->tally[i];
    t = realloc(c->tally, (c->ntally + 1) * sizeof(*t));
    if (!t)
        return NULL;
    c->tally = t;
    t = &t[c->ntally++];
    *t = (struct tally){.domid = domid};
    return t;
}

static bool check_node_cb(const struct node *n, void *arg)
{
    struct check_ctx *c = arg;
    char buf[PATH_BUF];
    size_t plen = strlen(n->path);
    struct tally *t;

    for (unsigned int i = 0; i < n->nchildren; i++) {
        snprintf(buf, sizeof(buf), "%s/%s", plen == 1 ? "" : n->path, n->children[i]);
        if (!tree_peek(c->xs->tree, NULL, buf)) {
            log_warnx("check: %s lists a missing child %s", n->path, buf);
            c->bad++;
        }
    }
    if (plen > 1) {
        const char *slash = strrchr(n->path, '/');

        memcpy(buf, n->path, (size_t)(slash - n->path) ?: 1);
        buf[(size_t)(slash - n->path) ?: 1] = '\0';
        if (!tree_peek(c->xs->tree, NULL, buf)) {
            log_warnx("check: %s has no parent", n->path);
            c->bad++;
        }
    }
    t = tally_of(c, n->perms[0].id);
    if (!t) {
        c->err = ENOMEM;
        return false;
    }
    t->nodes++;
    t->bytes += node_cost(n);
    return true;
}

/* What a domain's connections hold besides its nodes. */
static size_t conns_bytes(struct xsd *xs, uint32_t domid)
{
    size_t bytes = 0;
    struct conn *conn;
    struct outmsg *m;
    struct trans *t;

    TAILQ_FOREACH(conn, &xs->conns, link)
    {
        if (conn->domid != domid || conn->privileged)
            continue;
        TAILQ_FOREACH(m, &conn->out, link)
        bytes += m->cost;
        LIST_FOREACH(t, &conn->trans, link)
        bytes += t->charged;
    }
    return bytes;
}

/* Checks the tree's links and recounts what each domain owns; a count that
 * drifted is logged and corrected. */
static int ctl_check(struct ctl *c)
{
    struct xsd *xs = c->conn->xs;
    struct check_ctx cc = {.xs = xs};
    struct domain *d;

    if (c->n)
        return EINVAL;
    tree_foreach(xs->tree, check_node_cb, &cc);
    LIST_FOREACH(d, &xs->domains, link)
    {
        struct tally *t = cc.err ? NULL : tally_of(&cc, d->domid);
        size_t memory;

        if (!t) {
            cc.err = ENOMEM;
            break;
        }
        memory = t->bytes + conns_bytes(xs, d->domid);
        if (d->domid && (d->nodes != t->nodes || d->memory != memory)) {
            log_warnx("check: domain %u counted %u nodes, %zu bytes; has %u, "
                      "%zu: corrected",
                      d->domid, d->nodes, d->memory, t->nodes, memory);
            d->nodes = t->nodes;
            d->memory = memory;
            cc.bad++;
        }
    }
    free(cc.tally);
    if (cc.err)
        return cc.err;
    log_info("check: %u nodes, %u problems", tree_count(xs->tree), cc.bad);
    return ctl_ack(c);
}

static void memreport(struct xsd *xs, FILE *f)
{
    struct domain *d;
    struct conn *conn;

    fprintf(f, "xenstored memory report: %u nodes\n", tree_count(xs->tree));
    LIST_FOREACH(d, &xs->domains, link)
    fprintf(f, "domain %u: %u nodes, %u watches, %zu bytes%s\n", d->domid, d->nodes, d->watches,
            d->memory, d->introduced ? "" : " (not introduced)");
    TAILQ_FOREACH(conn, &xs->conns, link)
    fprintf(f,
            "connection dom%u%s: %u queued (%zu bytes of events), "
            "%lu events dropped, %u transactions\n",
            conn->domid, conn->privileged ? " (privileged)" : "", conn->nout, conn->queued,
            conn->dropped, conn->ntrans);
}

/* memreport [file]: to the log, or appended to file. */
static int ctl_memreport(struct ctl *c)
{
    FILE *f;
    int fd;

    if (c->n > 1)
        return EINVAL;
    if (c->n && !c->conn->xs->control_files)
        return EPERM;
    fd = c->n ? open(c->v[0], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : dup(STDERR_FILENO);
    f = fd < 0 ? NULL : fdopen(fd, "a");
    if (!f) {
        if (fd >= 0)
            close(fd);
        return EBADF;
    }
    memreport(c->conn->xs, f);
    return fclose(f) ? EIO : ctl_ack(c);
}

int control_log_to(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int err = 0;

    if (fd < 0)
        return -errno;
    /* An older, readable file is made root-only too. */
    if (fchmod(fd, 0600) || dup2(fd, STDERR_FILENO) < 0)
        err = -errno;
    close(fd);
    return err;
}

static int ctl_logfile(struct ctl *c)
{
    int err;

    if (c->n != 1)
        return EINVAL;
    if (!c->conn->xs->control_files)
        return EPERM;
    err = control_log_to(c->v[0]);
    if (err)
        return -err;
    log_info("control: logging to %s", c->v[0]);
    return ctl_ack(c);
}

static int ctl_print(struct ctl *c)
{
    if (c->n != 1)
        return EINVAL;
    log_info("control: %s", c->v[0]);
    return ctl_ack(c);
}

static int ctl_log(struct ctl *c)
{
    int level = c->n == 1 ? log_parse_level(c->v[0]) : -1;

    if (level < 0)
        return EINVAL;
    log_set_level((enum log_level)level);
    return ctl_ack(c);
}

/* Test and deprivileging hook (Xen's former XS_RESTRICT): the connection
 * acts as domain <domid> from now on, with that domain's rights and
 * quotas, and is closed when that domain is released. */
static int ctl_restrict(struct ctl *c)
{
    unsigned int domid;

    if (c->n != 1 || parse_value(c->v[0], &domid) || domid >= UINT16_MAX)
        return EINVAL;
    return -conn_restrict(c->conn, domid) ?: ctl_ack(c);
}

static int ctl_help(struct ctl *c);

static const struct {
    const char *name;
    int (*fn)(struct ctl *c);
    const char *args;
} commands[] = {
    {"check", ctl_check, ""},
    {"log", ctl_log, "<debug|info|warn|error>"},
    {"logfile", ctl_logfile, "<file>"},
    {"memreport", ctl_memreport, "[<file>]"},
    {"print", ctl_print, "<string>"},
    {"quota", ctl_quota, "[set <name> <val> [<domid>]|<domid>]"},
    {"quota-soft", ctl_quota_soft, "[set memory <val>]"},
    {"restrict", ctl_restrict, "<domid>"},
    {"help", ctl_help, ""},
};

static int ctl_help(struct ctl *c)
{
    if (c->n)
        return EINVAL;
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        fprintf(c->out, "%-15s %s\n", commands[i].name, commands[i].args);
    return 0;
}

int control_run(struct conn *conn, const char *const *v, unsigned int n, char **resp)
{
    struct ctl c = {conn, v + 1, n - 1, NULL};
    size_t len;
    int err = EINVAL;

    *resp = NULL;
    c.out = open_memstream(resp, &len);
    if (!c.out)
        return ENOMEM;
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (!strcmp(commands[i].name, v[0]))
            err = commands[i].fn(&c);
    if (fclose(c.out) && !err)
        err = ENOMEM;
    if (err) {
        free(*resp);
        *resp = NULL;
    }
    return err;
}
