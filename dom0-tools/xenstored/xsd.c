/* Creation and teardown of xenstored's state (see xenstored.h). */
#include <stdlib.h>

#include "conn.h"
#include "domain.h"
#include "watch.h"
#include "xenstored.h"

struct xsd *xsd_new(void)
{
    struct xsd *xs = calloc(1, sizeof(*xs));

    if (!xs)
        return NULL;
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
