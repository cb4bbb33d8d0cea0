/*
 * netdd: the network driver domain.  It drives the NIC's PF assigned to it
 * and serves every backend/vif/F/D directory under its xenstore home: those
 * there at start, those added later (hotplug), and drops those removed.
 * Each vif gets its own VMDq pool steered by the vif's MAC, so frames
 * arrive already sorted by the NIC.  A guest's large TX packet is read by the
 * NIC where it lies (device-mapped grants); a small one, and every received
 * frame, is copied once, between the guest's (persistently mapped) grant and
 * the pool's DMA buffer.
 *
 * A new netdd (after a crash and on_crash=restart) finds the directories the
 * toolstack re-created for it and serves them again; the guests reconnect.
 * As the PF's owner it also configures the VFs guests get (sv/vf_config.h).
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/netif.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "pf.h"
#include "swswitch.h"
#include "sv/gnttab_ext.h"
#include "sv/abi/hypercall.h"
#include "sv/gro.h"
#include "sv/log.h"
#include "sv/xs_ext.h"
#include "sv/netif_offload.h"
#include "sv/ratelimit.h"
#include "sv/swoffload.h"
#include "sv/vf_config.h"
#include "sv/abi/xnic.h"
#include "sv/abi/xs_net.h"
#include "sv/xnic_drv.h"
#include "sv/vif_back.h"

/* xenstore events taken per turn of the loop: the rest wait for the next
 * turn, after the rings' events (the library's pipe stays readable). */
#define NETDD_WATCH_BUDGET 64
/* How often one vif's state is looked at (each look is a few synchronous
 * xenstore reads, and may be a disconnect; connects have their own, lower
 * rate in vif_back): an honest frontend (3-4 changes to connect) is never
 * held up. */
#define NETDD_WATCH_RATE  15
#define NETDD_WATCH_BURST 8

static struct {
    struct pf *pf;
    struct swswitch *sw;   /* vifs beyond the pools: vif_back_port() == sw */
    struct vf_config *vfc; /* the PF's VFs, configured for the toolstack */
    struct xs_handle *xs;
    xenevtchn_handle *xce;
    xengnttab_handle *xgt;
    char vifs_dir[96]; /* /local/domain/<self>/backend/vif */
    struct vif_back *vifs[SV_XS_NETDD_MAX_VIFS];
    struct vif_back_env env;
    unsigned cache_pages;
    size_t tx_copybreak;
    struct event *poll_ev;   /* vifs whose TX budget ran out */
    struct event *credit_ev; /* vifs over their rate: the earliest next credit */
    uint64_t credit_due_ns;  /* when credit_ev runs, while it is pending */
    struct event_base *base;
    struct late_unmask {
        unsigned spurious;   /* events in a row that found nothing */
        struct event *timer; /* its unmask, when late */
    } late[SV_EVTCHN_PORTS];
    /* xenstore changes of vifs[i], looked at once per turn and at most
     * NETDD_WATCH_RATE times a second */
    struct vif_watch {
        bool pending;
        struct ratelimit rl;
        struct event *timer; /* the next look, when the rate held it back */
    } watch[SV_XS_NETDD_MAX_VIFS];
    unsigned unserved; /* vif directories the last rescan found no slot for */
} dd;

/* One netif queue of a vif on a pool of its own: its queue pair of the
 * pool and the frames being merged for it. */
struct netdd_queue {
    struct vif_back *v;
    struct netdd_port *np;
    unsigned idx;
    struct pf_pool *pool;
    struct gro gro;
    bool gro_blocked; /* the merged frame waits for the guest's RX buffers */
};

/* A vif on a pool of its own: a queue pair per netif queue. */
struct netdd_port {
    unsigned nq;
    struct netdd_queue q[VIF_BACK_MAX_QUEUES];
};

static struct pf_pool *pool_of(struct vif_back *v, unsigned q)
{
    return ((struct netdd_port *)vif_back_port(v))->q[q].pool;
}

/* RX descriptors a pool holds for a vif over its receive rate before it
 * drops the oldest (a shaper's queue, bounded as tc's tbf bounds its own):
 * a shaped TCP flow fills whatever queue it gets, and the whole RX ring
 * (1024) of full frames is 0.6 s at 20 Mbit/s; 64 are 39 ms. */
#define NETDD_RX_SHAPE_QUEUE 64

/* What the pool does with a frame vif_back_receive() answered err: hold
 * it (-EAGAIN: no guest buffer, or over the rate with room in the shaper's
 * queue) or go on (0: taken, or dropped). */
static int rx_verdict(struct netdd_queue *nq, int err)
{
    if (err == -EBUSY)
        return pf_pool_rx_held(nq->pool) > NETDD_RX_SHAPE_QUEUE ? 0 : -EAGAIN;
    return err == -EAGAIN ? -EAGAIN : 0;
}

/* Hands the merged frame to the guest: 0, -EAGAIN (kept for later), or
 * -ENOTCONN when the guest broke the protocol and its vif closed (nq is
 * gone then). */
static int gro_flush(struct netdd_queue *nq)
{
    struct vif_back *v = nq->v;
    struct netdd_port *np = nq->np;
    struct netif_offload o;
    size_t len;
    const uint8_t *frame = gro_finish(&nq->gro, &len, &o);
    int err = frame ? vif_back_receive(v, nq->idx, frame, len, &o, NULL) : 0;

    if (vif_back_port(v) != np)
        return -ENOTCONN;
    if (rx_verdict(nq, err) == -EAGAIN) {
        nq->gro_blocked = true;
        return -EAGAIN;
    }
    gro_reset(&nq->gro);
    nq->gro_blocked = false;
    return 0;
}

/* The NIC may give this guest's pool other pools' TSO/CSUM packets whole
 * with partial checksums (RSC) when the guest takes every such frame. */
static bool takes_rsc(const struct netif_features *f)
{
    return f->sg && f->gso_tcpv4 && f->gso_tcpv6 && f->csum_ipv4 && f->csum_ipv6;
}

static int pool_rx(void *ctx, const void *frame, size_t len, const struct pf_rx_meta *m)
{
    struct netdd_queue *nq = ctx;
    struct vif_back *v = nq->v;
    /* An RSC frame (a packet another pool sent, whole) passes GRO, after
     * what GRO holds. */
    int err = nq->gro_blocked || m->rsc ? gro_flush(nq) : 0;

    if (err)
        return err == -EAGAIN ? -EAGAIN : 0;
    while (vif_back_rx_gso(v) && !m->rsc) {
        switch (gro_add(&nq->gro, frame, len, m->o.data_validated)) {
        case GRO_TAKEN:
            return 0;
        case GRO_FLUSH:
            err = gro_flush(nq);
            if (err)
                return err == -EAGAIN ? -EAGAIN : 0;
            continue;
        case GRO_PASS:
            break;
        }
        break;
    }
    return rx_verdict(nq,
                      vif_back_receive(v, nq->idx, frame, len, &m->o, m->hashed ? &m->hash : NULL));
}

/* The end of the NIC's batch: what was merged goes to the guest now, and
 * the guest hears of the batch once. */
static void pool_rx_end(void *ctx)
{
    struct netdd_queue *nq = ctx;
    struct vif_back *v = nq->v;

    if (gro_flush(nq) != -ENOTCONN)
        vif_back_rx_flush(v);
}

/* The device is done with a zero-copy packet of v. */
static void pool_tx_done(void *ctx, uint32_t tag, uint16_t status)
{
    vif_back_tx_complete(((struct netdd_queue *)ctx)->v, tag, !XNIC_DS_ERR(status));
}

/* The NIC sent frames of a queue that waited for a TX buffer. */
static void pool_tx_room(void *ctx)
{
    vif_back_poll(((struct netdd_queue *)ctx)->v);
}

static bool on_switch(struct vif_back *v)
{
    return vif_back_port(v) == dd.sw;
}

static int switch_attach(struct vif_back *v, const uint8_t mac[6])
{
    int err = swswitch_attach(dd.sw, v, mac);

    if (err) {
        log_warnx("%s: no pool left and the software switch is full", vif_back_dir(v));
        return err;
    }
    vif_back_set_port(v, dd.sw);
    vif_back_publish(v, SV_XS_STEERING, "software switch");
    log_info("%s: no VMDq pool left: on the software switch", vif_back_dir(v));
    return 0;
}

/* Queue pairs 1.. of the pool for netif queues 1..; their PF numbers go
 * to "nic-queues" (xl network-list shows each one's counters). */
static int start_queues(struct netdd_port *np, struct vif_back *v)
{
    char list[8 * VIF_BACK_MAX_QUEUES] = "";
    size_t off = 0;

    for (unsigned k = 0; k < np->nq; k++) {
        struct netdd_queue *nq = &np->q[k];

        if (k)
            nq->pool = pf_pool_queue(np->q[0].pool, k, pool_rx, pool_rx_end, pool_tx_done, nq);
        if (!nq->pool)
            return -ENOSPC;
        pf_pool_set_tx_room(nq->pool, pool_tx_room);
        off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%u", k ? " " : "",
                                pf_pool_queue_pair(nq->pool));
    }
    vif_back_publish(v, SV_XS_NIC_QUEUES, list);
    return 0;
}

static int port_detach(void *host, struct vif_back *v);

/* The NIC has done (or failed) a vif's attach or detach commands. */
static void attached(void *ctx, int status)
{
    vif_back_attached(ctx, status);
}

static void detached(void *ctx, int status)
{
    (void)status; /* the pool logged it */
    vif_back_detached(ctx);
}

/* The pool's commands are queued at the NIC (pf.h): the vif goes Connected
 * once they are done, and netdd's loop serves the others meanwhile. */
static int port_attach(void *host, struct vif_back *v, const uint8_t mac[6], unsigned nqueues)
{
    struct netdd_port *np = calloc(1, sizeof(*np));
    uint16_t vlan = vif_back_vlan(v);
    bool rsc = takes_rsc(vif_back_rx_features(v));
    bool standby = vf_config_standby(dd.vfc, vif_back_dir(v));
    struct pf_pool *p = np ? pf_pool_get(dd.pf, mac, vlan, standby, rsc, pool_rx, pool_rx_end,
                                         pool_tx_done, &np->q[0])
                           : NULL;
    char steering[32], on_vlan[16] = "";

    (void)host;
    if (!p) {
        free(np);
        return switch_attach(v, mac);
    }
    np->nq = nqueues;
    for (unsigned k = 0; k < nqueues; k++)
        np->q[k] = (struct netdd_queue){.v = v, .np = np, .idx = k, .pool = k ? NULL : p};
    if (start_queues(np, v) < 0 || pf_pool_trunk(p, vif_back_trunk(v)) < 0) {
        pf_pool_put(p);
        free(np);
        return -ENOSPC;
    }
    vif_back_set_port(v, np);
    snprintf(steering, sizeof(steering), "pool %u", pf_pool_index(p));
    vif_back_publish(v, SV_XS_STEERING, steering);
    if (vlan)
        snprintf(on_vlan, sizeof(on_vlan), ", VLAN %u", vlan);
    log_info("%s: pool %u, %u queue pair%s (%02x:%02x:%02x:%02x:%02x:%02x%s)%s", vif_back_dir(v),
             pf_pool_index(p), nqueues, nqueues > 1 ? "s" : "", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5], on_vlan, rsc ? ", takes local TSO packets whole" : "");
    if (pf_barrier(dd.pf, attached, v) < 0) {
        port_detach(host, v);
        return -ENOMEM;
    }
    return -EINPROGRESS;
}

/* A pool's stop is queued at the NIC, which may read the vif's
 * device-mapped grants until it is done: vif_back unmaps them then. */
static int port_detach(void *host, struct vif_back *v)
{
    bool pool = vif_back_port(v) && !on_switch(v);

    (void)host;
    if (on_switch(v))
        swswitch_detach(dd.sw, v);
    else if (pool) {
        pf_pool_put(pool_of(v, 0));
        free(vif_back_port(v));
    }
    vif_back_set_port(v, NULL);
    return pool && pf_barrier(dd.pf, detached, v) == 0 ? -EINPROGRESS : 0;
}

/* netif hash types -> the NIC's (the same four Toeplitz types). */
static uint8_t nic_hash_types(uint32_t netif)
{
    static const struct {
        uint32_t netif;
        uint8_t nic;
    } map[] = {{XEN_NETIF_CTRL_HASH_TYPE_IPV4, XNIC_RSS_TYPE_IPV4},
               {XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP, XNIC_RSS_TYPE_TCPV4},
               {XEN_NETIF_CTRL_HASH_TYPE_IPV6, XNIC_RSS_TYPE_IPV6},
               {XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP, XNIC_RSS_TYPE_TCPV6}};
    uint8_t types = 0;

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (netif & map[i].netif)
            types |= map[i].nic;
    return types;
}

/* The frontend's (or the default) hash settings become the pool's RSS. */
static void port_set_hash(void *host, struct vif_back *v, const struct vif_back_hash *h)
{
    int err;

    (void)host;
    if (on_switch(v) || !vif_back_port(v))
        return; /* the switch's vifs are hashed in software (vif_back) */
    err = pf_pool_rss(pool_of(v, 0), nic_hash_types(h->types), h->key, h->mapping, h->size);
    if (err)
        log_warnx("%s: RSS: %s", vif_back_dir(v), strerror(-err));
}

static void *port_tx_buffer(void *host, struct vif_back *v, unsigned q, size_t *cap)
{
    (void)host;
    if (on_switch(v))
        return swswitch_tx_buffer(dd.sw, v, cap);
    return pf_pool_tx_buffer(pool_of(v, q), *cap, cap);
}

/* A guest asking to cut 64 KiB into 1-byte segments would make the NIC (or
 * a guest taking it whole) send 65,000 frames; vif_back cuts those between
 * the smallest a Linux sender makes (SWOFFLOAD_MIN_MSS) and the NIC's floor
 * itself (env.tx_min_mss). */
static bool gso_sane(const struct netif_offload *o)
{
    return o->gso_type == XEN_NETIF_GSO_TYPE_NONE || o->gso_size >= SWOFFLOAD_MIN_MSS;
}

static int port_transmit(void *host, struct vif_back *v, unsigned q, void *buf, size_t len,
                         const struct netif_offload *o)
{
    uint16_t mss;
    uint8_t hdr_len;
    unsigned cmd = netif_offload_xnic_cmd(o, buf, len, &mss, &hdr_len);

    (void)host;
    if (!gso_sane(o))
        return -EINVAL; /* answered DROPPED */
    if (on_switch(v))
        return swswitch_transmit(dd.sw, v, buf, len, o, cmd, mss, hdr_len);
    return pf_pool_tx_submit(pool_of(v, q), buf, len, cmd, mss, hdr_len);
}

/* Zero copy: the NIC reads the guest's device-mapped TX buffers in place. */
static int port_transmit_segs(void *host, struct vif_back *v, unsigned q,
                              const struct vif_back_seg *segs, unsigned n, const void *head,
                              size_t head_len, const struct netif_offload *o, uint32_t tag)
{
    struct xnic_drv_seg ds[PF_TX_SEGS_MAX];
    uint16_t mss;
    uint8_t hdr_len;
    unsigned cmd;

    (void)host;
    if (on_switch(v) || n > PF_TX_SEGS_MAX || !gso_sane(o))
        return -EOPNOTSUPP; /* the software switch reads frames itself */
    cmd = netif_offload_xnic_cmd(o, head, head_len, &mss, &hdr_len);
    for (unsigned i = 0; i < n; i++)
        ds[i] = (struct xnic_drv_seg){.iova = segs[i].iova, .len = segs[i].len};
    return pf_pool_tx_segs(pool_of(v, q), head, head_len, ds, n, cmd, mss, hdr_len, tag);
}

static void port_rx_ready(void *host, struct vif_back *v, unsigned q)
{
    (void)host;
    if (on_switch(v))
        swswitch_rx_ready(dd.sw, v);
    else if (vif_back_port(v)) {
        struct netdd_queue *nq = &((struct netdd_port *)vif_back_port(v))->q[q];

        if (!nq->gro_blocked || gro_flush(nq) == 0) {
            vif_back_rx_flush(v);
            pf_pool_rx_retry(nq->pool);
        }
    }
}

static void port_flush(void *host, struct vif_back *v, unsigned q)
{
    (void)host;
    if (on_switch(v))
        swswitch_flush(dd.sw);
    else if (vif_back_port(v))
        pf_pool_tx_kick(pool_of(v, q));
}

/* A zero timeout: the loop polls every fd before the timer runs.  With a
 * delay (a vif over its rate), one timer for all: the earliest wins. */
static void port_poll_later(void *host, struct vif_back *v, uint64_t delay_ns)
{
    static const struct timeval now = {0, 0};
    uint64_t due = ratelimit_now_ns() + delay_ns;
    struct timeval tv = ratelimit_timeval(delay_ns);

    (void)host;
    (void)v;
    if (!delay_ns) {
        event_add(dd.poll_ev, &now);
        return;
    }
    if (evtimer_pending(dd.credit_ev, NULL) && dd.credit_due_ns <= due)
        return;
    dd.credit_due_ns = due;
    evtimer_add(dd.credit_ev, &tv);
}

static const struct vif_port_ops port_ops = {.attach = port_attach,
                                             .detach = port_detach,
                                             .tx_buffer = port_tx_buffer,
                                             .transmit = port_transmit,
                                             .transmit_segs = port_transmit_segs,
                                             .rx_ready = port_rx_ready,
                                             .flush = port_flush,
                                             .poll_later = port_poll_later,
                                             .set_hash = port_set_hash};

static struct vif_back **find_vif(const char *dir)
{
    for (unsigned i = 0; i < SV_XS_NETDD_MAX_VIFS; i++)
        if (dd.vifs[i] && !strcmp(vif_back_dir(dd.vifs[i]), dir))
            return &dd.vifs[i];
    return NULL;
}

/* Failover (sv/vf_config.h): the vif's pool loses or regains its MAC.  A vif
 * not connected has no pool (port_attach asks when it connects); one on the
 * software switch cannot stand by (pool 0 carries many MACs). */
static bool vif_standby(void *ctx, const char *vif_dir, bool standby)
{
    struct vif_back **v = find_vif(vif_dir);
    int err;

    (void)ctx;
    if (!v || !vif_back_port(*v))
        return true;
    if (on_switch(*v))
        return false;
    if ((err = pf_pool_standby(pool_of(*v, 0), standby)) < 0)
        log_warnx("%s: pool %u: %s", vif_dir, pf_pool_index(pool_of(*v, 0)), strerror(-err));
    else if (!standby)
        vif_back_take_over(*v);
    return err == 0;
}

/* The PF's misc vector: VFs' mailbox messages and the wire's link go to
 * the VF configuration, which knows what each VF was given. */
static void pf_misc(void *ctx, uint32_t icr)
{
    (void)ctx;
    vf_config_misc(dd.vfc, icr);
}

static bool dir_exists(const char *dir)
{
    unsigned n = 0;
    char **e = xs_directory(dd.xs, XBT_NULL, dir, &n);

    free(e);
    return e != NULL;
}

static void on_watch_timer(evutil_socket_t fd, short what, void *arg);

/* Serves dir in slot i, with a full watch budget. */
static void vif_add(unsigned i, const char *dir)
{
    struct vif_watch *w = &dd.watch[i];

    if (!w->timer)
        w->timer = evtimer_new(dd.base, on_watch_timer, (void *)(uintptr_t)i);
    if (!w->timer)
        return;
    ratelimit_init(&w->rl, NETDD_WATCH_RATE, NETDD_WATCH_BURST);
    w->pending = false;
    dd.vifs[i] = vif_back_new(&dd.env, dir);
}

static void vif_remove(unsigned i)
{
    vif_back_free(dd.vifs[i]);
    dd.vifs[i] = NULL;
    dd.watch[i].pending = false;
    if (dd.watch[i].timer)
        evtimer_del(dd.watch[i].timer);
}

/* Serves new vif directories and drops those that went. */
static void rescan(void)
{
    unsigned nf = 0, unserved = 0;
    char **fes = xs_directory(dd.xs, XBT_NULL, dd.vifs_dir, &nf);

    for (unsigned i = 0; i < SV_XS_NETDD_MAX_VIFS; i++)
        if (dd.vifs[i] && !dir_exists(vif_back_dir(dd.vifs[i]))) {
            log_info("%s removed", vif_back_dir(dd.vifs[i]));
            vif_remove(i);
        }
    for (unsigned f = 0; fes && f < nf; f++) {
        char fdir[128];
        unsigned nd = 0;
        char **devs;

        snprintf(fdir, sizeof(fdir), "%s/%s", dd.vifs_dir, fes[f]);
        devs = xs_directory(dd.xs, XBT_NULL, fdir, &nd);
        for (unsigned d = 0; devs && d < nd; d++) {
            char dir[160];
            unsigned i = 0;

            snprintf(dir, sizeof(dir), "%s/%s", fdir, devs[d]);
            if (find_vif(dir))
                continue;
            while (i < SV_XS_NETDD_MAX_VIFS && dd.vifs[i])
                i++;
            if (i < SV_XS_NETDD_MAX_VIFS)
                vif_add(i, dir);
            else
                unserved++;
        }
        free(devs);
    }
    free(fes);
    /* Said when it changes, not at every rescan (each write under our
     * backend directories makes one). */
    if (unserved && unserved != dd.unserved)
        log_warnx("%u vif directories not served: netdd serves at most %u vifs", unserved,
                  SV_XS_NETDD_MAX_VIFS);
    dd.unserved = unserved;
}

/* Looks at vif i's states if its rate allows, else (or when the vif holds
 * back a connect) when it will. */
static void watch_run(unsigned i)
{
    struct vif_watch *w = &dd.watch[i];
    uint64_t wait;

    if (!w->pending || !dd.vifs[i] || evtimer_pending(w->timer, NULL))
        return;
    wait = ratelimit_take(&w->rl, ratelimit_now_ns());
    if (!wait) {
        w->pending = false;
        wait = vif_back_watch(dd.vifs[i], vif_back_dir(dd.vifs[i]));
        w->pending = wait != 0;
    }
    if (wait) {
        struct timeval tv = ratelimit_timeval(wait);

        evtimer_add(w->timer, &tv);
    }
}

static void on_watch_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    watch_run((unsigned)(uintptr_t)arg);
}

/* The slot of the vif an event of our "vifs" watch asks to look at, or
 * -1; *rescan when it may be a vif directory come or gone: the directory
 * of a vif or above it, or anything under one not served.  Under a served
 * vif only "state" and "online" matter (vif_back_watch() reads no other):
 * our own counters and features, written there, cost nothing, and a rescan
 * is a synchronous read of every vif directory. */
static int backend_event(const char *path, bool *rescan)
{
    for (unsigned i = 0; i < SV_XS_NETDD_MAX_VIFS; i++) {
        const char *dir = dd.vifs[i] ? vif_back_dir(dd.vifs[i]) : NULL;
        size_t len = dir ? strlen(dir) : 0;

        if (!dir || strncmp(path, dir, len) || (path[len] && path[len] != '/'))
            continue;
        if (!path[len]) {
            *rescan = true;
            return (int)i;
        }
        return !strcmp(path + len + 1, "state") || !strcmp(path + len + 1, SV_XS_ONLINE) ? (int)i
                                                                                         : -1;
    }
    *rescan = true;
    return -1;
}

/* The slot whose frontend's state an event is about: its token is the
 * vif's directory. */
static int frontend_event(const char *token)
{
    for (unsigned i = 0; i < SV_XS_NETDD_MAX_VIFS; i++)
        if (dd.vifs[i] && !strcmp(token, vif_back_dir(dd.vifs[i])))
            return (int)i;
    return -1;
}

/*
 * Events are only noted (per vif) as they are taken, at most
 * NETDD_WATCH_BUDGET a turn; then the vif directories are rescanned once
 * if our own changed, and each noted vif is looked at once, within its
 * rate.  So a guest writing its state as fast as it can costs a bounded
 * share of the loop, and the other vifs' rings are served in between.
 */
static void on_xenstore(evutil_socket_t fd, short what, void *arg)
{
    bool ours = false;
    char **ev;

    (void)fd;
    (void)what;
    (void)arg;
    for (unsigned n = 0; n < NETDD_WATCH_BUDGET && (ev = xs_check_watch(dd.xs)); n++) {
        int i;

        if (vf_config_event(dd.vfc, ev[XS_WATCH_TOKEN], ev[XS_WATCH_PATH])) {
            free(ev);
            continue;
        }
        i = !strcmp(ev[XS_WATCH_TOKEN], "vifs") ? backend_event(ev[XS_WATCH_PATH], &ours)
                                                : frontend_event(ev[XS_WATCH_TOKEN]);
        if (i >= 0)
            dd.watch[i].pending = true;
        free(ev);
    }
    /* Events the library had to drop (a flood filled its queue) may have
     * been any vif's or VF request's: look at every one, as after a start. */
    if (xs_watch_overflow(dd.xs)) {
        log_warnx("xenstore watch events were dropped: looking at every vif");
        vf_config_resync(dd.vfc);
        ours = true;
        for (unsigned i = 0; i < SV_XS_NETDD_MAX_VIFS; i++)
            dd.watch[i].pending = dd.vifs[i] != NULL;
    }
    if (ours)
        rescan();
    for (unsigned i = 0; i < SV_XS_NETDD_MAX_VIFS; i++)
        watch_run(i);
}

static void on_late_unmask(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    xenevtchn_unmask(dd.xce, (evtchn_port_t)(uintptr_t)arg);
}

/*
 * Unmasks a port once its event is handled; a port whose events keep
 * finding nothing (a frontend notifying in a loop) is unmasked later each
 * time, 1 ms doubling up to 1 s, so it cannot keep netdd busy: Linux's
 * "lateeoi" for backends (XSA-332).  Its first real work resets that.
 */
static void unmask_after(evtchn_port_t port, enum vif_back_event found)
{
    struct late_unmask *l = &dd.late[port];
    struct timeval delay;
    unsigned ms;

    l->spurious = found == VIF_EVENT_SPURIOUS ? l->spurious + 1 : 0;
    if (l->spurious >= 2 && !l->timer)
        l->timer = evtimer_new(dd.base, on_late_unmask, (void *)(uintptr_t)port);
    if (l->spurious < 2 || !l->timer) {
        xenevtchn_unmask(dd.xce, port);
        return;
    }
    ms = l->spurious - 2 < 10 ? 1u << (l->spurious - 2) : 1000;
    delay = (struct timeval){.tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000};
    evtimer_add(l->timer, &delay);
}

/* Handles each fired port before unmasking it (a send meanwhile fires the
 * port again once it is unmasked). */
static void on_evtchn(evutil_socket_t fd, short what, void *arg)
{
    xenevtchn_port_or_error_t port;

    (void)fd;
    (void)what;
    (void)arg;
    while ((port = xenevtchn_pending(dd.xce)) >= 0) {
        enum vif_back_event found = VIF_EVENT_NOT_MINE;

        for (unsigned i = 0; i < SV_XS_NETDD_MAX_VIFS; i++) {
            enum vif_back_event e =
                dd.vifs[i] ? vif_back_event(dd.vifs[i], (evtchn_port_t)port) : VIF_EVENT_NOT_MINE;

            if (e > found)
                found = e;
        }
        unmask_after((evtchn_port_t)port, found);
    }
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    for (unsigned i = 0; i < SV_XS_NETDD_MAX_VIFS; i++)
        if (dd.vifs[i]) {
            vif_back_reap(dd.vifs[i]);
            vif_back_poll(dd.vifs[i]);
        }
}

static void on_publish(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    swswitch_publish(dd.sw);
    for (unsigned i = 0; i < SV_XS_NETDD_MAX_VIFS; i++)
        if (dd.vifs[i])
            vif_back_publish_counters(dd.vifs[i]);
    /* Unmaps the hypervisor did not believe yet (a frame that was mapped
     * twice): each keeps a guest's grant pinned until it does. */
    xengnttab_unmap_retry(dd.xgt);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    log_info("signal %d: shutting down", (int)sig);
    event_base_loopexit(arg, NULL);
}

/* s as a whole decimal number in [min, max]. */
static bool option_number(const char *s, unsigned long min, unsigned long max, unsigned long *n)
{
    char *end;

    errno = 0;
    *n = strtoul(s, &end, 10);
    return !errno && end != s && !*end && *s != '-' && *n >= min && *n <= max;
}

/*
 * A warm standby (--standby): everything that needs no PF is done (the
 * process, its libraries, its xenstore, event channel and grant handles),
 * then it waits for the toolstack to hand it the PF of a driver domain that
 * died and say so in <home>/standby.  Blocking: nothing is served yet.
 */
static void standby_wait(const char *home)
{
    char path[96];
    bool active = false;

    snprintf(path, sizeof(path), "%s/" SV_XS_STANDBY, home);
    if (!xs_watch(dd.xs, path, "standby"))
        fatal("cannot watch %s", path);
    printf("netdd standby: waiting for the PF (%s)\n", path);
    fflush(stdout);
    while (!active) {
        unsigned n, len;
        char **ev = xs_read_watch(dd.xs, &n);
        char *v = ev ? xs_read(dd.xs, XBT_NULL, path, &len) : NULL;

        if (!ev)
            fatal("waiting for %s", path);
        active = v && !strcmp(v, "active");
        free(v);
        free(ev);
    }
    xs_unwatch(dd.xs, path, "standby");
    log_info("standby: taking over");
}

static void usage(void)
{
    fprintf(stderr,
            "usage: netdd [--standby] [--tx-copybreak BYTES] [--grant-cache PAGES]\n"
            "  --standby            a warm standby: start, then wait until the toolstack\n"
            "                       gives this domain the PF and writes \"active\" in\n"
            "                       its home's standby node\n"
            "  --tx-copybreak BYTES guests' TX packets longer than this are read by the\n"
            "                       NIC in place (device-mapped grants), shorter ones\n"
            "                       copied by netdd (default %d; 0: all in place;\n"
            "                       65536: all copied)\n"
            "  --grant-cache PAGES  persistent grant mappings per vif for netdd's copies\n"
            "                       (default 1024 per netif queue); pages beyond them\n"
            "                       are grant-copied.  TX buffers the NIC reads in place\n"
            "                       are device-mapped besides (at most 512 per vif)\n",
            VIF_BACK_COPYBREAK);
    exit(2);
}

int main(int argc, char **argv)
{
    struct event_base *base = event_base_new();
    struct event *xs_ev, *ev_ev, *term_ev, *publish_ev;
    const struct timeval second = {.tv_sec = 1};
    unsigned long n;
    unsigned len;
    char *domid, home[64];
    bool standby = false;

    dd.tx_copybreak = VIF_BACK_COPYBREAK;
    log_init(getenv("SV_DOMAIN_NAME") ? getenv("SV_DOMAIN_NAME") : argv[0]);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--tx-copybreak") && i + 1 < argc &&
            option_number(argv[i + 1], 0, 65536, &n))
            dd.tx_copybreak = n, i++;
        else if (!strcmp(argv[i], "--standby"))
            standby = true;
        else if (!strcmp(argv[i], "--grant-cache") && i + 1 < argc &&
                 option_number(argv[i + 1], 1, UINT_MAX, &n))
            dd.cache_pages = (unsigned)n, i++;
        else
            usage();
    }
    dd.xs = xs_open(0);
    dd.xce = xenevtchn_open(NULL, 0);
    dd.xgt = xengnttab_open(NULL, 0);
    if (!base || !dd.xs || !dd.xce || !dd.xgt)
        fatal("cannot reach xenstore, event channels or grant tables");
    domid = xs_read(dd.xs, XBT_NULL, "domid", &len);
    if (!domid)
        fatal("no domid in xenstore");
    snprintf(dd.vifs_dir, sizeof(dd.vifs_dir), "/local/domain/%s/" SV_XS_VIF_BACKEND, domid);
    snprintf(home, sizeof(home), "/local/domain/%s", domid);
    free(domid);
    if (standby)
        standby_wait(home);
    dd.pf = pf_open(base);
    if (!dd.pf)
        fatalx("no NIC: assign the PF to this domain (pci = [ '0000:03:00.0' ])");
    if (!(dd.vfc = vf_config_new(base, dd.xs, pf_drv(dd.pf), home, vif_standby, NULL)))
        fatalx("cannot serve VF configuration requests");
    pf_set_misc(dd.pf, pf_misc, NULL);
    dd.sw = swswitch_new(dd.pf);
    if (!dd.sw)
        fatalx("out of memory");
    dd.env = (struct vif_back_env){.xs = dd.xs,
                                   .xce = dd.xce,
                                   .xgt = dd.xgt,
                                   .ops = &port_ops,
                                   .cache_pages = dd.cache_pages,
                                   .max_queues = pf_pool_queues(dd.pf),
                                   .tx_copybreak = dd.tx_copybreak,
                                   .tx_min_mss = XNIC_MIN_MSS};
    fcntl(xenevtchn_fd(dd.xce), F_SETFL, fcntl(xenevtchn_fd(dd.xce), F_GETFL) | O_NONBLOCK);
    xs_ev = event_new(base, xs_fileno(dd.xs), EV_READ | EV_PERSIST, on_xenstore, NULL);
    ev_ev = event_new(base, xenevtchn_fd(dd.xce), EV_READ | EV_PERSIST, on_evtchn, NULL);
    term_ev = evsignal_new(base, SIGTERM, on_signal, base);
    publish_ev = event_new(base, -1, EV_PERSIST, on_publish, NULL);
    dd.base = base;
    dd.poll_ev = evtimer_new(base, on_poll, NULL);
    dd.credit_ev = evtimer_new(base, on_poll, NULL);
    if (!dd.poll_ev || !dd.credit_ev || !xs_ev || !ev_ev || !term_ev || !publish_ev ||
        event_add(xs_ev, NULL) || event_add(ev_ev, NULL) || event_add(term_ev, NULL) ||
        event_add(publish_ev, &second) || !xs_watch(dd.xs, dd.vifs_dir, "vifs"))
        fatalx("event setup");
    printf("netdd up: serving %s, %u pools free, TX packets over %zu bytes read in place\n",
           dd.vifs_dir, pf_pools_free(dd.pf), dd.tx_copybreak);
    fflush(stdout);
    event_base_dispatch(base);
    for (unsigned i = 0; i < SV_XS_NETDD_MAX_VIFS; i++) {
        vif_back_free(dd.vifs[i]);
        if (dd.watch[i].timer)
            event_free(dd.watch[i].timer);
    }
    vf_config_free(dd.vfc);
    pf_close(dd.pf);
    swswitch_free(dd.sw);
    event_free(publish_ev);
    event_free(dd.poll_ev);
    event_free(dd.credit_ev);
    for (unsigned p = 0; p < SV_EVTCHN_PORTS; p++)
        if (dd.late[p].timer)
            event_free(dd.late[p].timer);
    event_free(xs_ev);
    event_free(ev_ev);
    event_free(term_ev);
    xengnttab_close(dd.xgt);
    xenevtchn_close(dd.xce);
    xs_close(dd.xs);
    event_base_free(base);
    return 0;
}
