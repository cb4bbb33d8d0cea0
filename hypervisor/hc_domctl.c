/*
 * Domain control (dom0 only), scheduler shutdown, host-wide sysctls and the
 * platform calls a domain boots with (start info, more channels).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <event2/event.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "hypercalls.h"
#include "sv/log.h"

static struct domain *target(const struct hc_ctx *ctx)
{
    const struct sv_domctl *c = ctx->arg;
    struct domain *d = domain_find((domid_t)c->domid);

    return d && d->domid != 0 ? d : NULL;
}

int hc_domctl_create(struct hc_ctx *ctx)
{
    if (ctx->nin != 1)
        return -EBADF; /* the kernel image travels as the one fd */
    return domain_create(ctx->arg, ctx->in_fds[0]);
}

int hc_domctl_pause(struct hc_ctx *ctx)
{
    struct domain *d = target(ctx);

    return d ? domain_pause(d) : -ESRCH;
}

int hc_domctl_unpause(struct hc_ctx *ctx)
{
    struct domain *d = target(ctx);

    return d ? domain_unpause(d) : -ESRCH;
}

/* Answered once the domain is gone, as Xen's: a name is free again and its
 * resources are back when dom0 hears of it.  Its process's exit is not
 * waited for on the loop. */
int hc_domctl_destroy(struct hc_ctx *ctx)
{
    struct domain *d = target(ctx);
    int ret = d ? domain_destroy(d) : -ESRCH;

    return ret == 1 ? wait_add(ctx, d, WAIT_GONE, 0) : ret;
}

int hc_domctl_wait_up(struct hc_ctx *ctx)
{
    const struct sv_domctl_wait *w = ctx->arg;
    struct domain *d = target(ctx);

    if (!d)
        return -ESRCH;
    if (w->timeout_ms > SV_DOMCTL_WAIT_MAX_MS)
        return -EINVAL;
    return wait_add(ctx, d, WAIT_UP, w->timeout_ms);
}

int hc_domctl_power_button(struct hc_ctx *ctx)
{
    struct domain *d = target(ctx);

    return d ? domain_power_button(d) : -ESRCH;
}

int hc_domctl_console_in(struct hc_ctx *ctx)
{
    struct domain *d = target(ctx);

    if (!d)
        return -ESRCH;
    if (d->console_in < 0)
        return -EPIPE;
    return hc_reply_fd(ctx, dup(d->console_in));
}

int hc_domctl_getinfo(struct hc_ctx *ctx)
{
    struct sv_domctl_getinfo q = *(struct sv_domctl_getinfo *)ctx->arg;
    xen_domctl_getdomaininfo_t *info = ctx->arg;
    size_t room = HC_RESULT_MAX / sizeof(*info), n = 0;

    if (q.max < room)
        room = q.max;
    /* Listed in domid order, as Xen does. */
    for (uint32_t id = q.first_domid; id < DOMID_FIRST_RESERVED && n < room; id++) {
        struct domain *d = domain_find((domid_t)id);

        if (d)
            domain_getinfo(d, &info[n++]);
    }
    ctx->res_len = n * sizeof(*info);
    return (int)n;
}

int hc_domctl_rename(struct hc_ctx *ctx)
{
    struct sv_domctl_lookup *l = ctx->arg;
    struct domain *d = domain_find((domid_t)l->domid);

    l->name[sizeof(l->name) - 1] = '\0';
    if (!d || d->domid == 0)
        return -ESRCH;
    return domain_rename(d, l->name);
}

static int lookup_one(struct sv_domctl_lookup *l)
{
    struct domain *d;

    l->name[sizeof(l->name) - 1] = '\0';
    d = l->name[0] ? domain_find_name(l->name) : domain_find((domid_t)l->domid);
    if (!d)
        return -ESRCH;
    l->domid = d->domid;
    l->pid = d->state == DOMAIN_RUNNING ? (uint32_t)d->pid : 0;
    l->store_pfn = d->store_pfn;
    l->store_port = d->store_port;
    strcpy(l->name, d->name);
    return 0;
}

int hc_domctl_lookup(struct hc_ctx *ctx)
{
    struct sv_domctl_lookup *l = ctx->arg;

    if (ctx->req->count == 1)
        return lookup_one(l);
    for (uint32_t i = 0; i < ctx->req->count; i++)
        if (lookup_one(&l[i]) < 0) {
            l[i].name[0] = '\0';
            l[i].pid = 0;
        }
    return 0;
}

int hc_sched_shutdown(struct hc_ctx *ctx)
{
    sched_shutdown_t *s = ctx->arg;

    if (ctx->caller->domid == 0)
        return -EINVAL;
    return domain_shutdown(ctx->caller, s->reason);
}

int hc_sched_remote_shutdown(struct hc_ctx *ctx)
{
    sched_remote_shutdown_t *s = ctx->arg;
    struct domain *d = domain_find(s->domain_id);

    if (!d || d->domid == 0)
        return -ESRCH;
    return domain_shutdown(d, s->reason);
}

int hc_sysctl_readconsole(struct hc_ctx *ctx)
{
    struct sv_sysctl_readconsole *r = ctx->arg;
    char *text = (char *)(r + 1);

    ctx->res_len = sizeof(*r) + hvlog_read(text, HC_RESULT_MAX - sizeof(*r), &r->index, r->clear);
    return 0;
}

int hc_sysctl_physinfo(struct hc_ctx *ctx)
{
    struct sv_sysctl_physinfo *p = ctx->arg;
    struct sysinfo si;

    memset(p, 0, sizeof(*p));
    if (sysinfo(&si) < 0)
        return -errno;
    p->nr_cpus = (uint32_t)get_nprocs();
    p->total_pages = (uint64_t)si.totalram * si.mem_unit / 4096;
    p->free_pages = (uint64_t)si.freeram * si.mem_unit / 4096;
    for (struct domain *d = hv.domains; d; d = d->next) {
        p->nr_domains++;
        p->shared_frames += d->p2m.nr_shared;
        /* Up to the ports it may bind: 4095 tests a domain otherwise. */
        for (evtchn_port_t port = 1; d->ev.ports && port <= d->ev.max_port; port++)
            p->evtchn_ports += d->ev.ports[port].state != EVTCHN_FREE;
        for (uint32_t h = 0; h < d->mt.nr; h++)
            p->grant_maps += d->mt.entries[h].used;
    }
    p->version = (SV_VERSION_MAJOR << 16) | SV_VERSION_MINOR;
    p->unmap_refused = hv.unmaps_refused;
    p->quota_used = hv.quota.used;
    p->quota_limit = hv.quota.limit;
    return 0;
}

int hc_sysctl_shutdown(struct hc_ctx *ctx)
{
    (void)ctx;
    log_info("shutdown requested by dom0");
    hv.stopping = true;
    event_base_loopexit(hv.base, NULL);
    return 0;
}

int hc_platform_channel_open(struct hc_ctx *ctx)
{
    int sv[2], err;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    err = channel_add(sv[0], ctx->caller, ctx->ch->peer_pid);
    if (err) {
        close(sv[1]);
        return err;
    }
    return hc_reply_fd(ctx, sv[1]);
}

/*
 * Runs open_fd(arg) inside the caller's network namespace and returns what
 * it returns: an fd it made there, or -errno.  A socket or clone device
 * looks devices up in the namespace it was made in, and a domain may make
 * neither itself (the hypervisor is single-threaded: it steps in and out).
 */
static int in_domain_netns(const struct domain *d, int (*open_fd)(const void *arg), const void *arg)
{
    char path[128];
    int home, ns, fd = -1, err = 0;

    /* No namespace of its own (dom0): nothing is made in the host's. */
    if (!d->netns[0])
        return -ENOENT;
    snprintf(path, sizeof(path), "/run/netns/%s", d->netns);
    home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    ns = open(path, O_RDONLY | O_CLOEXEC);
    if (home < 0 || ns < 0 || setns(ns, CLONE_NEWNET) < 0)
        err = -errno;
    if (!err) {
        fd = open_fd(arg);
        err = fd < 0 ? fd : 0;
        if (setns(home, CLONE_NEWNET) < 0)
            fatal("cannot return to the host's network namespace");
    }
    if (ns >= 0)
        close(ns);
    if (home >= 0)
        close(home);
    return err ? err : fd;
}

static int open_tun(const void *arg)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

    (void)arg;
    return fd < 0 ? -errno : fd;
}

/*
 * The clone device, opened for a domain that may not open it itself: with it
 * the domain can only attach to a TAP its uid owns (which the toolstack made
 * in its namespace); creating one needs CAP_NET_ADMIN, which it lacks.
 */
int hc_platform_open_tun(struct hc_ctx *ctx)
{
    int fd = in_domain_netns(ctx->caller, open_tun, NULL);

    return fd < 0 ? fd : hc_reply_fd(ctx, fd);
}

static int sockopt(int fd, int level, int name, int val)
{
    return setsockopt(fd, level, name, &val, sizeof(val)) < 0 ? -errno : 0;
}

/* The queue's socket on nf<devid>, shaped as struct sv_pktsock_open says. */
static int open_pktsock(const void *arg)
{
    const struct sv_pktsock_open *o = arg;
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
    char dev[IFNAMSIZ];
    int fd, err;

    snprintf(dev, sizeof(dev), "nf%u", o->devid);
    sll.sll_ifindex = (int)if_nametoindex(dev);
    if (!sll.sll_ifindex)
        return -ENODEV;
    /* Protocol 0: nothing is queued before the bind below. */
    fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    err = sockopt(fd, SOL_PACKET, PACKET_VNET_HDR, 1);
    if (!err)
        err = sockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1);
    /* What nfD sends itself is no guest's frame. */
    if (!err)
        err = sockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
    /* nfD's receive path takes a frame's VLAN tag out of it before a
     * packet socket sees it: the tag comes beside the frame. */
    if (!err)
        err = sockopt(fd, SOL_PACKET, PACKET_AUXDATA, 1);
    /* Frames wait in the receive buffer while the domain waits for a CPU;
     * what it sends stays charged to the send buffer until ethD's stack
     * takes it (veth hands the skb on): both as a TAP's queue would hold. */
    if (!err)
        err = sockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, SV_PKTSOCK_BUF);
    if (!err)
        err = sockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, SV_PKTSOCK_BUF);
    if (!err && bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
        err = -errno;
    /* The group is named by nfD's ifindex, new for each nfD made: a
     * socket of an nfD deleted since may still hold its group. */
    if (!err)
        err = sockopt(fd, SOL_PACKET, PACKET_FANOUT,
                      (sll.sll_ifindex & 0xffff) | PACKET_FANOUT_QM << 16);
    if (err) {
        close(fd);
        return err;
    }
    return fd;
}

/*
 * A packet socket for one netif queue of the caller's vif devid: a domain
 * has no CAP_NET_RAW, and it gets the socket shaped (its seccomp filter
 * refuses SOL_PACKET options: no rings, no other fanout group; a socket in
 * a fanout group cannot be bound again).
 */
int hc_platform_open_pktsock(struct hc_ctx *ctx)
{
    struct sv_pktsock_open *o = ctx->arg;
    int fd;

    if (o->pad)
        return -EINVAL;
    fd = in_domain_netns(ctx->caller, open_pktsock, o);
    return fd < 0 ? fd : hc_reply_fd(ctx, fd);
}

int hc_platform_start_info(struct hc_ctx *ctx)
{
    struct sv_start_info *si = ctx->arg;
    struct domain *d = ctx->caller;
    const struct evtchn *store;
    int err;

    if (d->domid == 0)
        return -EINVAL;
    memset(si, 0, sizeof(*si));
    si->domid = d->domid;
    si->nr_grant_frames = domain_grant_frames(d);
    si->nr_ram_pages = d->p2m.ram_pages;
    si->max_shared_frames = d->p2m.max_shared;
    si->store_pfn = d->store_pfn;
    si->store_port = d->store_port;
    strcpy(si->name, d->name);
    store = &d->ev.ports[d->store_port];
    /* A domain may close its store port; a free port has no doorbells. */
    if (store->state != EVTCHN_UNBOUND && store->state != EVTCHN_INTERDOMAIN)
        return -ENOENT;
    err = hc_reply_fd(ctx, dup(d->p2m.ram_fd));
    if (!err)
        err = hc_reply_fd(ctx, dup(d->shinfo_fd));
    if (!err)
        err = hc_reply_fd(ctx, dup(d->gt.fd));
    if (!err)
        err = hc_reply_fd(ctx, dup(p2m_frame(&d->p2m, d->store_pfn)->fd));
    if (!err)
        err = hc_reply_fd(ctx, dup(store->doorbell));
    if (!err)
        err = hc_reply_fd(ctx, dup(store->peer_doorbell));
    return err;
}
