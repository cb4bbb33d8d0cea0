/* Reading requests from and writing replies to a xenstore ring page with
 * checked indices (see ring.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

struct ring_port {
    struct xenstore_domain_interface *intf;
    void (*notify)(void *arg);
    void (*kick)(void *arg);
    void (*release)(void *arg);
    void *arg;
};

static long broken(struct xenstore_domain_interface *intf)
{
    __atomic_store_n(&intf->error, XENSTORE_ERROR_RINGIDX, __ATOMIC_RELEASE);
    return -EIO;
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

long ring_read(struct xenstore_domain_interface *intf, void *buf, size_t len)
{
    XENSTORE_RING_IDX cons, prod;
    size_t avail, done = 0, chunk, off;

    if (__atomic_load_n(&intf->error, __ATOMIC_ACQUIRE))
        return -EIO;
    cons = intf->req_cons;
    /* Acquire: the bytes below prod are read after prod itself. */
    prod = __atomic_load_n(&intf->req_prod, __ATOMIC_ACQUIRE);
    if ((XENSTORE_RING_IDX)(prod - cons) > XENSTORE_RING_SIZE)
        return broken(intf);
    avail = min_size(prod - cons, len);
    while (done < avail) {
        off = MASK_XENSTORE_IDX(cons + done);
        chunk = min_size(avail - done, XENSTORE_RING_SIZE - off);
        memcpy((char *)buf + done, intf->req + off, chunk);
        done += chunk;
    }
    /* Release: our reads finish before the domain may reuse the space. */
    __atomic_store_n(&intf->req_cons, cons + (XENSTORE_RING_IDX)done, __ATOMIC_RELEASE);
    return (long)done;
}

long ring_write(struct xenstore_domain_interface *intf, const void *buf, size_t len)
{
    XENSTORE_RING_IDX cons, prod;
    size_t space, done = 0, chunk, off;

    if (__atomic_load_n(&intf->error, __ATOMIC_ACQUIRE))
        return -EIO;
    cons = __atomic_load_n(&intf->rsp_cons, __ATOMIC_ACQUIRE);
    prod = intf->rsp_prod;
    if ((XENSTORE_RING_IDX)(prod - cons) > XENSTORE_RING_SIZE)
        return broken(intf);
    space = min_size(XENSTORE_RING_SIZE - (prod - cons), len);
    while (done < space) {
        off = MASK_XENSTORE_IDX(prod + done);
        chunk = min_size(space - done, XENSTORE_RING_SIZE - off);
        memcpy(intf->rsp + off, (const char *)buf + done, chunk);
        done += chunk;
    }
    /* Release: the bytes are visible before the new producer index. */
    __atomic_store_n(&intf->rsp_prod, prod + (XENSTORE_RING_IDX)done, __ATOMIC_RELEASE);
    return (long)done;
}

struct ring_port *ring_port_new(struct xenstore_domain_interface *intf, void (*notify)(void *arg),
                                void (*kick)(void *arg), void (*release)(void *arg), void *arg)
{
    struct ring_port *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->intf = intf;
    p->notify = notify;
    p->kick = kick;
    p->release = release;
    p->arg = arg;
    intf->server_features |= XENSTORE_SERVER_FEATURE_ERROR;
    return p;
}

static long port_read(void *arg, void *buf, size_t len)
{
    struct ring_port *p = arg;
    long n = ring_read(p->intf, buf, len);

    if (n > 0)
        p->notify(p->arg);
    return n;
}

static long port_write(void *arg, const void *buf, size_t len)
{
    struct ring_port *p = arg;
    long n = ring_write(p->intf, buf, len);

    if (n > 0)
        p->notify(p->arg);
    return n;
}

/* The ring has no writability event: the glue flushes replies after each
 * batch of requests, and output queued meanwhile (watch events fired by
 * other connections) through this kick. */
static void port_kick(void *arg)
{
    struct ring_port *p = arg;

    if (p->kick)
        p->kick(p->arg);
}

static void port_close(void *arg)
{
    struct ring_port *p = arg;

    p->release(p->arg);
    free(p);
}

const struct conn_transport ring_transport = {
    .read = port_read,
    .write = port_write,
    .kick = port_kick,
    .close = port_close,
};
