/* Event channel ports and their eventfd doorbells: see evtchn.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "evtchn.h"
#include "sv/abi/hypercall.h"

static evtchn_resolver_fn *resolve_space;

void evtchn_set_resolver(evtchn_resolver_fn *fn)
{
    resolve_space = fn;
}

int evtchn_space_init(struct evtchn_space *sp, domid_t domid, shared_info_t *shinfo)
{
    sp->domid = domid;
    sp->shinfo = shinfo;
    sp->max_port = SV_EVTCHN_PORTS - 1;
    sp->quota = NULL;
    sp->ports = calloc(SV_EVTCHN_PORTS, sizeof(*sp->ports));
    return sp->ports ? 0 : -ENOMEM;
}

void evtchn_space_destroy(struct evtchn_space *sp)
{
    if (!sp->ports)
        return;
    for (evtchn_port_t p = 1; p < SV_EVTCHN_PORTS; p++)
        if (sp->ports[p].state != EVTCHN_FREE)
            evtchn_close(sp, p);
    free(sp->ports);
    sp->ports = NULL;
}

static struct evtchn *port_of(struct evtchn_space *sp, evtchn_port_t port)
{
    if (!sp || !sp->ports || port == 0 || port >= SV_EVTCHN_PORTS)
        return NULL;
    return &sp->ports[port];
}

static int port_alloc(struct evtchn_space *sp)
{
    for (evtchn_port_t p = 1; p <= sp->max_port && p < SV_EVTCHN_PORTS; p++)
        if (sp->ports[p].state == EVTCHN_FREE)
            return (int)p;
    return -ENOSPC;
}

static void close_fd(int fd)
{
    if (fd >= 0)
        close(fd);
}

static unsigned nr_fds(int doorbell, int peer)
{
    return (doorbell >= 0) + (peer >= 0);
}

/* Hands dups of the port's two eventfds to the caller (see evtchn.h). */
static int export_fds(const struct evtchn *ch, int fds[2])
{
    fds[0] = dup(ch->doorbell);
    fds[1] = ch->peer_doorbell >= 0 ? dup(ch->peer_doorbell) : -1;
    if (fds[0] < 0 || (ch->peer_doorbell >= 0 && fds[1] < 0)) {
        close_fd(fds[0]);
        close_fd(fds[1]);
        return -EMFILE;
    }
    return 0;
}

/*
 * Takes a free port for a doorbell and the doorbell it rings (-1 for none
 * when !needs_peer).  Owns both fds: closes them if it cannot.
 */
static int claim(struct evtchn_space *sp, const void *owner, int doorbell, int peer,
                 bool needs_peer)
{
    int port = doorbell < 0 || (needs_peer && peer < 0) ? -ENOSPC : port_alloc(sp);

    if (port > 0 && quota_take(sp->quota, nr_fds(doorbell, peer)) < 0)
        port = -ENOSPC;
    if (port < 0) {
        close_fd(doorbell);
        close_fd(peer);
        return port;
    }
    sp->ports[port] = (struct evtchn){.doorbell = doorbell, .peer_doorbell = peer, .owner = owner};
    return port;
}

static int finish_bind(struct evtchn_space *sp, int port, int fds[2])
{
    int err = export_fds(&sp->ports[port], fds);

    if (err < 0)
        evtchn_close(sp, (evtchn_port_t)port);
    return err < 0 ? err : port;
}

int evtchn_alloc_unbound(struct evtchn_space *sp, domid_t remote, const void *owner, int fds[2])
{
    int port = claim(sp, owner, eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
                     eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), true);

    if (port < 0)
        return port;
    sp->ports[port].state = EVTCHN_UNBOUND;
    sp->ports[port].remote_dom = remote;
    return finish_bind(sp, port, fds);
}

int evtchn_bind_interdomain(struct evtchn_space *sp, domid_t remote, evtchn_port_t rport,
                            const void *owner, int fds[2])
{
    struct evtchn_space *rsp = remote == sp->domid ? sp : resolve_space(remote);
    struct evtchn *rch = port_of(rsp, rport);
    int port;

    if (!rsp)
        return -ESRCH;
    if (!rch || rch->state != EVTCHN_UNBOUND || rch->remote_dom != sp->domid)
        return -EINVAL;
    port = claim(sp, owner, dup(rch->peer_doorbell), dup(rch->doorbell), true);
    if (port < 0)
        return port;
    sp->ports[port].state = EVTCHN_INTERDOMAIN;
    sp->ports[port].remote_dom = remote;
    sp->ports[port].remote_port = rport;
    rch->state = EVTCHN_INTERDOMAIN;
    rch->remote_port = (evtchn_port_t)port;
    /* As Xen: the peer may have sent while its port was unbound, so the new
     * port starts pending rather than losing that notification. */
    evtchn_raise(sp, (evtchn_port_t)port);
    return finish_bind(sp, port, fds);
}

int evtchn_bind_virq(struct evtchn_space *sp, uint32_t virq, const void *owner, int fds[2])
{
    int port;

    if (virq >= NR_VIRQS)
        return -EINVAL;
    /* Xen allows one binding per VIRQ; dom0 here is many processes, each may bind. */
    for (evtchn_port_t p = 1; sp->domid != 0 && p < SV_EVTCHN_PORTS; p++)
        if (sp->ports[p].state == EVTCHN_VIRQ && sp->ports[p].virq == virq)
            return -EEXIST;
    port = claim(sp, owner, eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), -1, false);
    if (port < 0)
        return port;
    sp->ports[port].state = EVTCHN_VIRQ;
    sp->ports[port].virq = virq;
    return finish_bind(sp, port, fds);
}

int evtchn_bind_pirq(struct evtchn_space *sp, uint32_t pirq, const void *owner, int fds[2])
{
    int port = claim(sp, owner, eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), -1, false);

    if (port < 0)
        return port;
    sp->ports[port].state = EVTCHN_PIRQ;
    sp->ports[port].virq = pirq;
    return finish_bind(sp, port, fds);
}

int evtchn_close(struct evtchn_space *sp, evtchn_port_t port)
{
    struct evtchn *ch = port_of(sp, port);

    if (!ch || ch->state == EVTCHN_FREE)
        return -EINVAL;
    if (ch->state == EVTCHN_INTERDOMAIN) {
        struct evtchn_space *rsp = ch->remote_dom == sp->domid ? sp : resolve_space(ch->remote_dom);
        struct evtchn *rch = port_of(rsp, ch->remote_port);

        /* Xen: the surviving end becomes unbound, bindable again by us. */
        if (rch && rch->state == EVTCHN_INTERDOMAIN && rch->remote_port == port) {
            rch->state = EVTCHN_UNBOUND;
            rch->remote_dom = sp->domid;
            rch->remote_port = 0;
        }
    }
    quota_give(sp->quota, nr_fds(ch->doorbell, ch->peer_doorbell));
    close_fd(ch->doorbell);
    close_fd(ch->peer_doorbell);
    *ch = (struct evtchn){.state = EVTCHN_FREE};
    return 0;
}

void evtchn_raise(struct evtchn_space *sp, evtchn_port_t port)
{
    struct evtchn *ch = port_of(sp, port);
    const unsigned bits = sizeof(xen_ulong_t) * 8;

    if (!ch || ch->state == EVTCHN_FREE)
        return;
    if (sp->shinfo)
        __atomic_fetch_or(&sp->shinfo->evtchn_pending[port / bits], (xen_ulong_t)1 << (port % bits),
                          __ATOMIC_RELEASE);
    (void)eventfd_write(ch->doorbell, 1);
}

int evtchn_send(struct evtchn_space *sp, evtchn_port_t port)
{
    struct evtchn *ch = port_of(sp, port);

    if (!ch)
        return -EINVAL;
    switch (ch->state) {
    case EVTCHN_INTERDOMAIN: {
        struct evtchn_space *rsp = ch->remote_dom == sp->domid ? sp : resolve_space(ch->remote_dom);
        evtchn_raise(rsp, ch->remote_port);
        return 0;
    }
    case EVTCHN_UNBOUND:
        return 0; /* Xen drops sends on an unbound port silently */
    default:
        return -EINVAL;
    }
}

int evtchn_status(struct evtchn_space *sp, evtchn_status_t *st)
{
    struct evtchn *ch = port_of(sp, st->port);

    if (!ch)
        return -EINVAL;
    st->vcpu = 0;
    switch (ch->state) {
    case EVTCHN_FREE:
        st->status = EVTCHNSTAT_closed;
        break;
    case EVTCHN_UNBOUND:
        st->status = EVTCHNSTAT_unbound;
        st->u.unbound.dom = ch->remote_dom;
        break;
    case EVTCHN_INTERDOMAIN:
        st->status = EVTCHNSTAT_interdomain;
        st->u.interdomain.dom = ch->remote_dom;
        st->u.interdomain.port = ch->remote_port;
        break;
    case EVTCHN_VIRQ:
        st->status = EVTCHNSTAT_virq;
        st->u.virq = ch->virq;
        break;
    case EVTCHN_PIRQ:
        st->status = EVTCHNSTAT_pirq;
        st->u.pirq = ch->virq;
        break;
    }
    return 0;
}

void evtchn_raise_virq(struct evtchn_space *sp, uint32_t virq)
{
    for (evtchn_port_t p = 1; p < SV_EVTCHN_PORTS; p++)
        if (sp->ports[p].state == EVTCHN_VIRQ && sp->ports[p].virq == virq)
            evtchn_raise(sp, p);
}

void evtchn_release_owner(struct evtchn_space *sp, const void *owner)
{
    for (evtchn_port_t p = 1; p < SV_EVTCHN_PORTS; p++)
        if (sp->ports[p].state != EVTCHN_FREE && sp->ports[p].owner == owner)
            evtchn_close(sp, p);
}
