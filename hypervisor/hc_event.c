/*
 * Event channel hypercalls.  Binding calls answer with the port and two
 * descriptors: the port's doorbell (to wait on) and the doorbell it rings
 * (to send without coming back here).  A dom0 process may close only the
 * ports it bound itself; dom0 may query any domain's ports.
 */
#include <errno.h>

#include "hypercalls.h"

static int reply_port_fds(struct hc_ctx *ctx, int port, const int fds[2])
{
    if (port < 0)
        return port;
    hc_reply_fd(ctx, fds[0]);
    if (fds[1] >= 0)
        hc_reply_fd(ctx, fds[1]);
    return 0;
}

int hc_evtchn_alloc_unbound(struct hc_ctx *ctx)
{
    evtchn_alloc_unbound_t *a = ctx->arg;
    domid_t remote = a->remote_dom == DOMID_SELF ? ctx->caller->domid : a->remote_dom;
    int fds[2], port;

    if (a->dom != DOMID_SELF && a->dom != ctx->caller->domid)
        return -EPERM;
    port = evtchn_alloc_unbound(&ctx->caller->ev, remote, ctx->ch, fds);
    if (port > 0)
        a->port = (evtchn_port_t)port;
    return reply_port_fds(ctx, port, fds);
}

int hc_evtchn_bind_interdomain(struct hc_ctx *ctx)
{
    evtchn_bind_interdomain_t *b = ctx->arg;
    domid_t remote = b->remote_dom == DOMID_SELF ? ctx->caller->domid : b->remote_dom;
    struct domain *rd = domain_find(remote);
    int fds[2], port;

    if (!rd || rd->state != DOMAIN_RUNNING)
        return -ESRCH;
    port = evtchn_bind_interdomain(&ctx->caller->ev, remote, b->remote_port, ctx->ch, fds);
    if (port > 0)
        b->local_port = (evtchn_port_t)port;
    return reply_port_fds(ctx, port, fds);
}

int hc_evtchn_bind_virq(struct hc_ctx *ctx)
{
    evtchn_bind_virq_t *b = ctx->arg;
    int fds[2], port;

    /* VIRQ_DOM_EXC is global: its handler is dom0. */
    if (b->virq == VIRQ_DOM_EXC && ctx->caller->domid != 0)
        return -EPERM;
    if (b->vcpu != 0)
        return -ENOENT;
    port = evtchn_bind_virq(&ctx->caller->ev, b->virq, ctx->ch, fds);
    if (port > 0)
        b->port = (evtchn_port_t)port;
    return reply_port_fds(ctx, port, fds);
}

static bool may_touch(const struct hc_ctx *ctx, evtchn_port_t port)
{
    const struct evtchn_space *sp = &ctx->caller->ev;

    if (port == 0 || port >= SV_EVTCHN_PORTS || sp->ports[port].state == EVTCHN_FREE)
        return false;
    return ctx->caller->domid != 0 || sp->ports[port].owner == ctx->ch;
}

int hc_evtchn_close(struct hc_ctx *ctx)
{
    evtchn_close_t *c = ctx->arg;

    if (!may_touch(ctx, c->port))
        return -EINVAL;
    return evtchn_close(&ctx->caller->ev, c->port);
}

int hc_evtchn_send(struct hc_ctx *ctx)
{
    evtchn_send_t *s = ctx->arg;

    if (!may_touch(ctx, s->port))
        return -EINVAL;
    return evtchn_send(&ctx->caller->ev, s->port);
}

int hc_evtchn_status(struct hc_ctx *ctx)
{
    evtchn_status_t *st = ctx->arg;
    struct domain *d = hc_domain(ctx, st->dom);

    if (!d || d->state != DOMAIN_RUNNING)
        return -ESRCH;
    if (d != ctx->caller && ctx->caller->domid != 0)
        return -EPERM;
    return evtchn_status(&d->ev, st);
}

/* Masking lives in the receiver's library (it owns its doorbells); nothing to do here. */
int hc_evtchn_unmask(struct hc_ctx *ctx)
{
    evtchn_unmask_t *u = ctx->arg;

    return may_touch(ctx, u->port) ? 0 : -EINVAL;
}
