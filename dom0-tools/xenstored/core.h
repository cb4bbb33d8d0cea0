/*
 * xenstored's shared state: the daemon, its connections, domains, watches
 * and transactions.  Modules own their verbs (conn.h, domain.h, watch.h,
 * trans.h, ops.h); this header only holds the structures they share.
 *
 * Error convention: request handlers return an errno (0 = done) that the
 * dispatcher turns into XS_ERROR; internal helpers return negative errno,
 * or NULL with errno set.
 */
#ifndef XSD_CORE_H
#define XSD_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <xenstore_lib.h>

#include "tree.h"

/* Xen's default quotas (xenstored -h); dom0 is exempt from all of them. */
#define QUOTA_NODES 1000       /* nodes a domain owns: ENOSPC */
#define QUOTA_WATCHES 128      /* watches of a domain: E2BIG */
#define QUOTA_OUTSTANDING 20   /* queued replies before input stops */
#define QUOTA_TRANSACTIONS 10  /* open transactions of a connection: ENOSPC */
#define QUOTA_NODE_SIZE 2048   /* node_size() limit: ENOSPC */
#define QUOTA_PERMS 5          /* permission entries of a node: ENOSPC */

#define DOMID_NONE UINT32_MAX

struct conn;

/* A connection's transport (unix socket, domain ring).  The connection layer
 * parses and queues messages; the transport only moves bytes. */
struct conn_transport {
    /* Reads up to len bytes: count, 0 when nothing is available now, or
     * -errno when the peer is gone or broke the transport. */
    long (*read)(void *arg, void *buf, size_t len);
    /* Writes up to len bytes: count (0 = full now) or -errno. */
    long (*write)(void *arg, const void *buf, size_t len);
    /* Output got queued: the transport calls conn_flush() when it can. */
    void (*kick)(void *arg);
    /* The connection goes away: release the transport (arg included). */
    void (*close)(void *arg);
};

struct outmsg {
    TAILQ_ENTRY(outmsg) link;
    size_t len;       /* header + payload bytes */
    size_t off;       /* bytes already written */
    char buf[];
};

struct watch {
    LIST_ENTRY(watch) link;
    char *path;       /* absolute path or "@..." special name */
    char *token;
    size_t strip;     /* bytes of path to drop in events (relative watch) */
};

struct change {       /* a change a transaction will announce on commit */
    char *path;
    bool recursive;   /* removal: watches below path fire too */
    struct xs_permissions *perms; /* node permissions for the read check */
    unsigned int nperms;
};

struct acct {         /* a transaction's pending node-count change */
    uint32_t domid;
    int delta;
};

struct trans {
    LIST_ENTRY(trans) link;
    uint32_t id;
    struct txn *view;
    struct change *changes;
    unsigned int nchanges;
    struct acct *accts;
    unsigned int naccts;
    bool broken;      /* an operation half-failed: commit must fail */
};

struct conn {
    TAILQ_ENTRY(conn) link;
    struct xsd *xs;
    uint32_t domid;   /* whose requests these are (0 = dom0) */
    bool privileged;  /* dom0, not restricted */
    const struct conn_transport *tp;
    void *tp_arg;

    struct conn_input {
        unsigned char hdr[16];   /* struct xsd_sockmsg being read */
        unsigned int hdr_got;
        char *body;              /* len + 1 bytes (NUL added) */
        unsigned int body_got;
    } in;

    TAILQ_HEAD(, outmsg) out;
    unsigned int nout;           /* queued replies and events */

    LIST_HEAD(, watch) watches;
    LIST_HEAD(, trans) trans;
    unsigned int ntrans;
    uint32_t next_tx_id;
};

struct domain {
    LIST_ENTRY(domain) link;
    uint32_t domid;
    bool introduced;  /* XS_INTRODUCE seen, not released */
    bool shutdown;    /* @releaseDomain fired for a shutdown, until RESUME */
    unsigned long mfn;  /* ring frame and event channel of XS_INTRODUCE */
    unsigned int port;
    uint32_t target;  /* SET_TARGET: domain this one manages, or DOMID_NONE */
    unsigned int nodes;   /* committed nodes it owns */
    unsigned int watches; /* watches of its connections */
};

/* "@introduceDomain" / "@releaseDomain": watch-only names with permissions
 * (owner dom0, no access for others until dom0 grants it). */
struct special {
    const char *name;
    struct xs_permissions *perms;
    unsigned int nperms;
};

struct xsd {
    struct tree *tree;
    struct special specials[2];
    TAILQ_HEAD(, conn) conns;
    LIST_HEAD(, domain) domains;
    /* The hypervisor glue (hyp.c), NULL when serving dom0 only: connects
     * an introduced domain's ring; 0 or -errno, which INTRODUCE returns. */
    int (*connect_domain)(struct xsd *xs, struct domain *d);
    struct hyp *hyp;
};

#endif
