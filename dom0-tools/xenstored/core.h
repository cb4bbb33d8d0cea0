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

#include "sv/ratelimit.h"
#include "tree.h"

/* Default quotas, Xen's where Xen has one (xenstored -h; `xenstore-control
 * quota`).  dom0 is exempt from all of them; XS_CONTROL "quota set" changes
 * them at run time (xs->quota[]). */
#define QUOTA_NODES        1000          /* nodes a domain owns: ENOSPC */
#define QUOTA_WATCHES      128           /* watches of a domain: E2BIG */
#define QUOTA_OUTSTANDING  20            /* queued replies before input stops */
#define QUOTA_MEMORY       (2560 * 1024) /* bytes a domain makes us hold */
#define QUOTA_MEMORY_SOFT  (2048 * 1024) /* logged when crossed */
#define QUOTA_TRANSACTIONS 10            /* open transactions of a connection: ENOSPC */
#define QUOTA_TRANS_NODES  1024          /* nodes one transaction touches: ENOSPC */
#define QUOTA_PERMS        5             /* permission entries of a node: ENOSPC */
#define QUOTA_NODE_SIZE    2048          /* node_size() limit: ENOSPC */
/* Requests a second a domain's connection is served, and at once (a token
 * bucket): beyond it its ring is read later, as oxenstored pauses a domain
 * out of conflict credit and C xenstored one out of write credit.  A
 * guest's boot and its vif's handshake take ~80; each request a domain
 * storms with cost xenstored, and netdd for each event it fires there,
 * ~50 us on this 2-core host (docs/benchmarks.md). */
#define QUOTA_REQUEST_RATE  200
#define QUOTA_REQUEST_BURST 256
/* Queued watch-event bytes of a dom0 connection; past it events are dropped
 * (a domain connection's are bounded by its domain's memory quota). */
#define QUOTA_DOM0_EVENT_BYTES (16 * 1024 * 1024)

enum quota_id {
    Q_NODES,
    Q_WATCHES,
    Q_OUTSTANDING,
    Q_MEMORY,
    Q_TRANSACTIONS,
    Q_TRANS_NODES,
    Q_PERMS,
    Q_NODE_SIZE,
    Q_REQUEST_RATE,
    Q_REQUEST_BURST,
    Q_COUNT
};

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
    size_t len;  /* header + payload bytes */
    size_t off;  /* bytes already written */
    size_t cost; /* bytes charged for it (conn->queued, domain memory) */
    bool event;  /* a watch event, indexed in conn->events */
    char buf[];
};

struct watch {
    LIST_ENTRY(watch) link;
    char *path; /* absolute path or "@..." special name */
    char *token;
    size_t strip; /* bytes of path to drop in events (relative watch) */
};

/* Which watches a change of a path fires. */
enum watch_scope {
    WATCH_NODE,  /* at or above the path */
    WATCH_TREE,  /* and below it (a removal) */
    WATCH_EXACT, /* exactly at it (a node removed with an ancestor) */
};

struct change { /* a change a transaction will announce on commit */
    char *path;
    enum watch_scope scope;
    struct xs_permissions *perms; /* node permissions for the read check */
    unsigned int nperms;
    struct xs_permissions *perms2; /* new permissions of a permission */
    unsigned int nperms2;          /* change (or NULL, 0) */
};

struct acct { /* a transaction's pending change of what a domain owns */
    uint32_t domid;
    int delta;  /* nodes */
    long bytes; /* node memory */
};

struct trans {
    LIST_ENTRY(trans) link;
    uint32_t id;
    struct txn *view;
    struct change *changes;
    unsigned int nchanges;
    size_t change_bytes; /* memory of changes[] */
    struct acct *accts;
    unsigned int naccts;
    int err;        /* an operation half-failed, or a quota was hit:
                     * every later request and the commit fail with it */
    size_t charged; /* bytes charged to the connection's domain */
};

struct conn {
    TAILQ_ENTRY(conn) link;
    struct xsd *xs;
    uint32_t domid;  /* whose requests these are (0 = dom0) */
    bool privileged; /* dom0, not restricted */
    const struct conn_transport *tp;
    void *tp_arg;

    struct conn_input {
        unsigned char hdr[16]; /* struct xsd_sockmsg being read */
        unsigned int hdr_got;
        char *body; /* len + 1 bytes (NUL added) */
        unsigned int body_got;
    } in;

    TAILQ_HEAD(, outmsg) out;
    unsigned int nout;     /* queued replies and events */
    size_t queued;         /* bytes of queued events */
    struct htab *events;   /* "path token" of queued events */
    unsigned long dropped; /* watch events dropped (queue full) */
    bool dropping;         /* dropped since the queue last drained */

    LIST_HEAD(, watch) watches;
    LIST_HEAD(, trans) trans;
    unsigned int ntrans;
    uint32_t next_tx_id;

    /* Its requests, within its domain's request-rate and request-burst
     * (the bucket is made anew when they change): a domain's ring's only
     * (rated), as Xen's write rate limit spares sockets. */
    bool rated;
    struct ratelimit rate;
    unsigned int rate_made[2]; /* the rate and burst it was made for */
    bool rate_logged;          /* "served later" said */
};

struct domain {
    LIST_ENTRY(domain) link;
    uint32_t domid;
    bool introduced;   /* XS_INTRODUCE seen, not released */
    bool shutdown;     /* @releaseDomain fired for a shutdown, until RESUME */
    unsigned long mfn; /* ring frame and event channel of XS_INTRODUCE */
    unsigned int port;
    uint32_t target;      /* SET_TARGET: domain this one manages, or DOMID_NONE */
    unsigned int nodes;   /* committed nodes it owns */
    unsigned int watches; /* watches of its connections */
    size_t memory;        /* bytes: nodes it owns, its transactions and
                           * its connections' queued output */
    bool memory_warned;   /* over the soft memory quota, logged */
    /* Its own nodes, watches and memory quotas, set by dom0 (a driver
     * domain's backends own more than a guest's devices); 0: the global. */
    unsigned int quota[Q_COUNT];
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
    unsigned int quota[Q_COUNT];
    unsigned int memory_soft; /* Q_MEMORY's soft limit: a warning */
    /* XS_CONTROL may write files it is named (memreport, logfile): the
     * daemon's choice, not that of the tests and fuzzers that drive the
     * core with arbitrary dom0 requests. */
    bool control_files;
    struct special specials[2];
    TAILQ_HEAD(, conn) conns;
    LIST_HEAD(, domain) domains;
    /* The hypervisor glue (hyp.c), NULL when serving dom0 only: connects
     * an introduced domain's ring; 0 or -errno, which INTRODUCE returns. */
    int (*connect_domain)(struct xsd *xs, struct domain *d);
    struct hyp *hyp;
};

#endif
