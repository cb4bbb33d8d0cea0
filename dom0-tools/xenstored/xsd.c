/* Creation and teardown of xenstored's state (see xenstored.h). */
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "domain.h"
#include "watch.h"
#include "xenstored.h"

static const unsigned int default_quota[Q_COUNT] = {
    [Q_NODES] = QUOTA_NODES,
    [Q_WATCHES] = QUOTA_WATCHES,
    [Q_OUTSTANDING] = QUOTA_OUTSTANDING,
    [Q_MEMORY] = QUOTA_MEMORY,
    [Q_TRANSACTIONS] = QUOTA_TRANSACTIONS,
    [Q_TRANS_NODES] = QUOTA_TRANS_NODES,
    [Q_PERMS] = QUOTA_PERMS,
    [Q_NODE_SIZE] = QUOTA_NODE_SIZE,
    [Q_REQUEST_RATE] = QUOTA_REQUEST_RATE,
    [Q_REQUEST_BURST] = QUOTA_REQUEST_BURST,
};

struct xsd *xsd_new(void)
{
    struct xsd *xs = calloc(1, sizeof(*xs));

    if (!xs)
        return NULL;
    memcpy(xs->quota, default_quota, sizeof(default_quota));
    xs->memory_soft = QUOTA_MEMORY_SOFT;
    TAILQ_INIT(&xs->conns);
    LIST_INIT(&xs->domains);
    xs->tree = tree_new();
    if (!xs->tree || watch_specials_init(xs)) {
        xsd_free(xs);
        return NULL;
    }
    return xs;
}

void xsd_free(struct xsd *xs)
{
    if (!xs)
        return;
    while (!TAILQ_EMPTY(&xs->conns))
        conn_destroy(TAILQ_FIRST(&xs->conns));
    domain_free_all(xs);
    watch_specials_free(xs);
    tree_free(xs->tree);
    free(xs);
}
