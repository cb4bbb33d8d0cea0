/* xenstored and the hypervisor: domain rings and domain death (see hyp.h). */
#include <errno.h>
#include <fcntl.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#include "conn.h"
#include "domain.h"
#include "hyp.h"
#include "ring.h"
#include "sv/log.h"

struct hyp_ring {
    struct hyp *hyp;
    uint32_t domid;
    struct xenstore_domain_interface *page;
    evtchn_port_t local_port;
    struct conn *conn;
    struct event *flush_ev; /* deferred flush of output queued by others */
    unsigned served_wakeup; /* the last hyp_event wakeup that served it */
    struct hyp_ring *next;
};

struct hyp {
    struct xsd *xs;
    xc_interface *xch;
    xenevtchn_handle *xce;
    xengnttab_handle *xgt;
    struct event_base *base;
    struct event *ev;
    evtchn_port_t virq_port;
    struct hyp_ring *rings;
    unsigned wakeup; /* hyp_event's wakeups, counted */
};

static void ring_notify(void *arg)
{
    struct hyp_ring *r = arg;

    xenevtchn_notify(r->hyp->xce, r->local_port);
}

/* The connection went (domain released, broken ring): unmap and unbind. */
static void ring_release(void *arg)
{
    struct hyp_ring *r = arg;

    for (struct hyp_ring **pp = &r->hyp->rings; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    xengnttab_unmap(r->hyp->xgt, r->page, 1);
    xenevtchn_unbind(r->hyp->xce, r->local_port);
    event_free(r->flush_ev);
    free(r);
}

static void ring_service(struct hyp_ring *r);

/* A zero timeout: runs after the loop's next poll (see ring_service). */
static const struct timeval next_turn = {0, 0};

static void ring_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ring_service(arg);
}

/* Output queued for the domain: a watch event another's request caused,
 * or its own replies.  Flushed next turn, not activated now: an activated
 * event runs in the same pass, so a domain whose every reply kicked it
 * was served again and again without the loop ever polling dom0's socket
 * (a dom0 read waited seconds under a ring flood). */
static void ring_kick(void *arg)
{
    struct hyp_ring *r = arg;

    event_add(r->flush_ev, &next_turn);
}

/* Handles what the domain wrote, CONN_INPUT_BUDGET requests per turn of
 * the loop: a domain that keeps its ring full is served again only after
 * the loop polled dom0's socket and the other domains (a zero timeout runs
 * after the next poll; an activated event would run before it), and one
 * past its request rate once it may be served again (its notifications
 * meanwhile only set that timer anew: the ring is not read).  A broken
 * ring closes its connection. */
static void ring_service(struct hyp_ring *r)
{
    int more = conn_input(r->conn);
    uint64_t wait;

    if (more == 1) {
        event_add(r->flush_ev, &next_turn);
    } else if (more == 0 && (wait = conn_input_wait(r->conn))) {
        struct timeval tv = ratelimit_timeval(wait);

        event_add(r->flush_ev, &tv);
    }
    if (more < 0 || conn_flush(r->conn) < 0) {
        log_warnx("domain %u: xenstore ring broken, connection closed", r->domid);
        conn_destroy(r->conn); /* calls ring_release */
    }
}

static int hyp_connect(struct xsd *xs, struct domain *d)
{
    struct hyp *hyp = xs->hyp;
    struct hyp_ring *r = calloc(1, sizeof(*r));
    struct ring_port *rp;
    int port, err;

    if (!r)
        return -ENOMEM;
    r->hyp = hyp;
    r->domid = d->domid;
    r->page = xengnttab_map_grant_ref(hyp->xgt, d->domid, GNTTAB_RESERVED_XENSTORE,
                                      PROT_READ | PROT_WRITE);
    if (!r->page) {
        err = -errno;
        goto out_free;
    }
    port = xenevtchn_bind_interdomain(hyp->xce, d->domid, d->port);
    if (port < 0) {
        err = -errno;
        goto out_unmap;
    }
    r->local_port = (evtchn_port_t)port;
    r->flush_ev = event_new(hyp->base, -1, 0, ring_flush, r);
    rp = r->flush_ev ? ring_port_new(r->page, ring_notify, ring_kick, ring_release, r) : NULL;
    r->conn = rp ? conn_new(xs, d->domid, &ring_transport, rp) : NULL;
    if (!r->conn) {
        free(rp);
        err = -ENOMEM;
        goto out_unbind;
    }
    r->next = hyp->rings;
    hyp->rings = r;
    ring_service(r); /* it may have written before we came */
    return 0;

out_unbind:
    if (r->flush_ev)
        event_free(r->flush_ev);
    xenevtchn_unbind(hyp->xce, r->local_port);
out_unmap:
    xengnttab_unmap(hyp->xgt, r->page, 1);
out_free:
    free(r);
    return err;
}

/* VIRQ_DOM_EXC: release the introduced domains that are gone, report shutdowns. */
static void check_domains(struct hyp *hyp)
{
    struct domain *d, *next;

    for (d = LIST_FIRST(&hyp->xs->domains); d; d = next) {
        xc_domaininfo_t info;

        next = LIST_NEXT(d, link);
        if (!d->introduced)
            continue;
        if (xc_domain_getinfolist(hyp->xch, d->domid, 1, &info) != 1 || info.domain != d->domid)
            domain_release(hyp->xs, d->domid);
        else if (info.flags & XEN_DOMINF_shutdown)
            domain_shutdown(hyp->xs, d->domid);
    }
}

/* Ports handled per turn of the loop: a domain notifying as fast as we
 * unmask must not keep us here (the fd stays readable: we come back after
 * the loop polled the others). */
#define PORTS_PER_TURN 64

static void hyp_event(evutil_socket_t fd, short what, void *arg)
{
    struct hyp *hyp = arg;
    xenevtchn_port_or_error_t port;
    int budget = PORTS_PER_TURN;

    (void)fd;
    (void)what;
    hyp->wakeup++;
    while (budget-- > 0 && (port = xenevtchn_pending(hyp->xce)) >= 0) {
        xenevtchn_unmask(hyp->xce, (evtchn_port_t)port);
        if ((evtchn_port_t)port == hyp->virq_port) {
            check_domains(hyp);
            continue;
        }
        for (struct hyp_ring *r = hyp->rings; r; r = r->next) {
            if (r->local_port != (evtchn_port_t)port)
                continue;
            /* A domain that notifies in a loop fires again at each unmask:
             * served once a wakeup, the rest next turn, after dom0's
             * socket and the other domains were polled. */
            if (r->served_wakeup == hyp->wakeup) {
                event_add(r->flush_ev, &next_turn);
            } else {
                r->served_wakeup = hyp->wakeup;
                ring_service(r);
            }
            break;
        }
    }
}

struct hyp *hyp_open(struct xsd *xs, struct event_base *base)
{
    struct hyp *hyp = calloc(1, sizeof(*hyp));
    int port, flags;

    if (!hyp)
        return NULL;
    hyp->xs = xs;
    hyp->base = base;
    hyp->xch = xc_interface_open(NULL, NULL, 0);
    hyp->xce = hyp->xch ? xenevtchn_open(NULL, 0) : NULL;
    hyp->xgt = hyp->xce ? xengnttab_open(NULL, 0) : NULL;
    port = hyp->xgt ? xenevtchn_bind_virq(hyp->xce, VIRQ_DOM_EXC) : -1;
    if (port < 0) {
        log_warn("no hypervisor: serving dom0's socket only");
        hyp_close(hyp);
        return NULL;
    }
    hyp->virq_port = (evtchn_port_t)port;
    /* pending() must not block inside the event loop. */
    flags = fcntl(xenevtchn_fd(hyp->xce), F_GETFL);
    fcntl(xenevtchn_fd(hyp->xce), F_SETFL, flags | O_NONBLOCK);
    hyp->ev = event_new(base, xenevtchn_fd(hyp->xce), EV_READ | EV_PERSIST, hyp_event, hyp);
    if (!hyp->ev || event_add(hyp->ev, NULL) < 0) {
        hyp_close(hyp);
        return NULL;
    }
    xs->hyp = hyp;
    xs->connect_domain = hyp_connect;
    return hyp;
}

void hyp_close(struct hyp *hyp)
{
    if (!hyp)
        return;
    while (hyp->rings)
        conn_destroy(hyp->rings->conn);
    if (hyp->ev)
        event_free(hyp->ev);
    if (hyp->xs && hyp->xs->hyp == hyp) {
        hyp->xs->hyp = NULL;
        hyp->xs->connect_domain = NULL;
    }
    xengnttab_close(hyp->xgt);
    xenevtchn_close(hyp->xce);
    xc_interface_close(hyp->xch);
    free(hyp);
}
