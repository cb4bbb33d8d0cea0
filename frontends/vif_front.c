/* A guest's vif: netfront queues, handshake and packet socket relay (see vif_front.h). */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xengnttab.h>

#include "sv/abi/xs_net.h"
#include "sv/gnttab_ext.h"
#include "sv/hcall.h"
#include "sv/log.h"
#include "sv/netfront.h"
#include "sv/netfront_ctrl.h"
#include "sv/toeplitz.h"
#include "sv/vlan.h"
#include "sv/xenbus.h"
#include "sv/vif_front.h"

#define FRAME_MAX       (65536 + 64)
#define SOCK_BATCH      64 /* frames taken from a socket per readiness, given it per sendmmsg */
#define SOCK_WARN_BURST 5  /* warnings a second about frames the socket refused */
#define CTRL_PAGES      3  /* control ring, hash key, mapping table */

/* What we granted to one backend; freed once that backend no longer maps it. */
struct grants {
    void *ring[2]; /* TX, RX shared rings */
    void *pool[2]; /* TX, RX buffers */
    void *ctrl;    /* queue 0 with a control ring: CTRL_PAGES pages */
    uint32_t ring_ref[2];
    uint32_t pool_ref[2][VIF_FRONT_MAX_BUFFERS];
    uint32_t ctrl_ref[CTRL_PAGES];
};

/* Page sets granted to backends that went while still mapping them: up to
 * four backends' worth are kept for retry before any is given up. */
#define STALE_MAX (4 * (2 * 2 + 1))

struct stale_pages {
    void *pages;
    int n;
};

/* One netif queue: its packet socket on nfD, rings, buffers, ports and
 * netfront core. */
struct vf_queue {
    struct vif_front *v;
    unsigned idx;
    int sock; /* queue 0's is kept for the vif's life, the others' while connected */
    struct event *sock_ev;
    struct netfront *nf;
    evtchn_port_t port;    /* the TX ring's port (the only one unless split) */
    evtchn_port_t port_rx; /* the RX ring's, when the backend offers split channels */
    struct grants g;
    struct stale_pages stale[STALE_MAX];
    unsigned nstale;
    bool told_hashed;
    bool tx_waiting; /* no ring room, or no backend: the socket is not read until there is */
    struct log_ratelimit sock_warnings;
};

struct vif_front {
    struct event_base *base;
    struct xs_handle *xs;
    xenevtchn_handle *xce;
    xengntshr_handle *xgs;
    unsigned devid;
    char dir[96];      /* /local/domain/N/device/vif/D */
    char backend[160]; /* the backend directory we follow */
    uint32_t backend_id;
    struct vif_front_opts opts;
    /* Buffers each way per queue, TX and RX: each is a frame the hypervisor
     * holds an fd of, and a host's fd limit bounds how many it may hold. */
    unsigned pages[2];
    unsigned nqueues; /* connected queues, 0 when not connected */
    struct vf_queue *q[VIF_FRONT_MAX_QUEUES];
    struct netfront_ctrl *ctrl;
    evtchn_port_t port_ctrl;
    struct vif_front_primary primary; /* xmit NULL: none */
};

/* One more socket on nfD, the far end of ethD, from the hypervisor (a
 * domain may not make packet sockets): the kernel spreads the guest's flows
 * over the sockets by ethD's TX queue. */
static int sock_open(unsigned devid)
{
    int chan = hcall_open(), fd;

    if (chan < 0)
        return chan;
    fd = hcall_open_pktsock(chan, devid);
    close(chan);
    return fd;
}

static bool backend_feature(struct vif_front *v, const char *key)
{
    char *val = NULL;
    bool on = xenbus_read(v->xs, XBT_NULL, v->backend, key, &val) == 0 && !strcmp(val, "1");

    free(val);
    return on;
}

static void notify(void *ctx, enum netfront_event ev)
{
    struct vf_queue *q = ctx;

    xenevtchn_notify(q->v->xce, ev == NETFRONT_EVENT_RX && q->port_rx ? q->port_rx : q->port);
}

static void ctrl_notify(void *ctx)
{
    struct vif_front *v = ctx;

    xenevtchn_notify(v->xce, v->port_ctrl);
}

_Static_assert(VIF_FRONT_MAX_BUFFERS == SV_XS_VIF_MAX_QUEUE_SIZE, "queue size limits differ");

/* The toolstack's rx-/tx-queue-size (the vif's rx_queue_size=, ...) wins
 * over our own option; a value out of range is said and ignored. */
static void read_queue_size(struct vif_front *v, const char *key, unsigned *pages)
{
    unsigned n = 0;
    int got = xenbus_scanf(v->xs, XBT_NULL, v->dir, key, "%u", &n);

    if (got == 1 && n >= 1 && n <= VIF_FRONT_MAX_BUFFERS)
        *pages = n;
    else if (got != -ENOENT)
        log_warnx("vif %u: %s/%s is not 1..%d: %u buffers", v->devid, v->dir, key,
                  VIF_FRONT_MAX_BUFFERS, *pages);
}

/* Shares what g does not hold yet (queue 0's may be shared ahead: preshare). */
static int share_all(struct vif_front *v, struct grants *g, bool ctrl)
{
    for (int d = 0; d < 2; d++) {
        if (!g->ring[d])
            g->ring[d] = xengntshr_share_pages(v->xgs, v->backend_id, 1, &g->ring_ref[d], 1);
        if (!g->pool[d])
            g->pool[d] =
                xengntshr_share_pages(v->xgs, v->backend_id, v->pages[d], g->pool_ref[d], 1);
        if (!g->ring[d] || !g->pool[d])
            return -errno;
    }
    if (ctrl && !g->ctrl &&
        !(g->ctrl = xengntshr_share_pages(v->xgs, v->backend_id, CTRL_PAGES, g->ctrl_ref, 1)))
        return -errno;
    return 0;
}

/* Ends n pages' grants, or parks them in q->stale while a backend maps them. */
static void unshare(struct vf_queue *q, void *pages, int n)
{
    if (!pages || xengntshr_unshare(q->v->xgs, pages, n) == 0)
        return;
    if (q->nstale == STALE_MAX) {
        /* Backends that keep our pages mapped cost only this guest's memory. */
        log_warn("vif %u: %d pages stay granted to a backend that went", q->v->devid, n);
        return;
    }
    q->stale[q->nstale++] = (struct stale_pages){pages, n};
}

static void unshare_all(struct vf_queue *q, struct grants *g)
{
    unshare(q, g->ctrl, CTRL_PAGES);
    for (int d = 0; d < 2; d++) {
        unshare(q, g->ring[d], 1);
        unshare(q, g->pool[d], (int)q->v->pages[d]);
    }
    memset(g, 0, sizeof(*g));
}

static void unshare_stale(struct vf_queue *q)
{
    unsigned n = q->nstale;

    q->nstale = 0;
    for (unsigned i = 0; i < n; i++)
        unshare(q, q->stale[i].pages, q->stale[i].n);
}

static int write_queue_keys(struct xs_handle *h, xs_transaction_t t, const char *dir,
                            const struct vf_queue *q)
{
    int err = xenbus_printf(h, t, dir, "tx-ring-ref", "%u", q->g.ring_ref[0]);

    if (!err)
        err = xenbus_printf(h, t, dir, "rx-ring-ref", "%u", q->g.ring_ref[1]);
    if (!err && q->port_rx) {
        err = xenbus_printf(h, t, dir, "event-channel-tx", "%u", q->port);
        if (!err)
            err = xenbus_printf(h, t, dir, "event-channel-rx", "%u", q->port_rx);
    } else if (!err) {
        err = xenbus_printf(h, t, dir, "event-channel", "%u", q->port);
    }
    return err;
}

/* One queue: its keys in our directory; several: multi-queue-num-queues and
 * each queue's keys under queue-N/ (netif.h, as Linux netfront writes them). */
static int write_connect_keys(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    struct vif_front *v = arg;
    const char *on[] = {"request-rx-copy",   "feature-rx-notify", "feature-sg",
                        "feature-gso-tcpv4", "feature-gso-tcpv6", "feature-ipv6-csum-offload"};
    int err = 0;

    if (v->nqueues == 1)
        err = write_queue_keys(h, t, v->dir, v->q[0]);
    else
        err = xenbus_printf(h, t, v->dir, "multi-queue-num-queues", "%u", v->nqueues);
    for (unsigned i = 0; !err && v->nqueues > 1 && i < v->nqueues; i++) {
        char dir[128];

        snprintf(dir, sizeof(dir), "%s/queue-%u", v->dir, i);
        err = write_queue_keys(h, t, dir, v->q[i]);
    }
    if (!err && v->ctrl) {
        err = xenbus_printf(h, t, v->dir, "ctrl-ring-ref", "%u", v->q[0]->g.ctrl_ref[0]);
        if (!err)
            err = xenbus_printf(h, t, v->dir, "event-channel-ctrl", "%u", v->port_ctrl);
    }
    for (size_t i = 0; !err && i < sizeof(on) / sizeof(on[0]); i++)
        err = xenbus_write(h, t, v->dir, on[i], "1");
    if (!err)
        err = xenbus_printf(h, t, v->dir, "state", "%d", XenbusStateConnected);
    return err;
}

static void vif_disconnect(struct vif_front *v, XenbusState state);
static void on_sock(evutil_socket_t fd, short what, void *arg);
static void resume_sock(struct vf_queue *q);

static int bind_port(struct vif_front *v, evtchn_port_t *port)
{
    int p = xenevtchn_bind_unbound_port(v->xce, v->backend_id);

    if (p < 0)
        return -errno;
    *port = (evtchn_port_t)p;
    return 0;
}

static struct vf_queue *queue_get(struct vif_front *v, unsigned i)
{
    if (!v->q[i] && (v->q[i] = calloc(1, sizeof(*v->q[i])))) {
        v->q[i]->v = v;
        v->q[i]->idx = i;
        v->q[i]->sock = -1;
        v->q[i]->sock_warnings.burst = SOCK_WARN_BURST;
    }
    return v->q[i];
}

/* A socket for q: queue 0 gets its one with the vif (kept for its life),
 * the others theirs while connected. */
static int queue_sock(struct vf_queue *q)
{
    if (q->sock >= 0)
        return 0;
    q->sock = sock_open(q->v->devid);
    if (q->sock < 0)
        return q->sock;
    q->sock_ev = event_new(q->v->base, q->sock, EV_READ | EV_PERSIST, on_sock, q);
    if (!q->sock_ev || event_add(q->sock_ev, NULL) < 0)
        return -ENOMEM;
    return 0;
}

static int queue_connect(struct vf_queue *q, const struct netif_features *peer, bool ctrl)
{
    struct vif_front *v = q->v;
    struct netfront_config cfg = {.notify = notify, .ctx = q, .peer = *peer};
    int err = v->opts.ep ? 0 : queue_sock(q);

    if (!err)
        err = share_all(v, &q->g, ctrl);
    if (!err)
        err = bind_port(v, &q->port);
    if (!err && backend_feature(v, "feature-split-event-channels"))
        err = bind_port(v, &q->port_rx);
    if (err)
        return err;
    cfg.tx_sring = q->g.ring[0];
    cfg.rx_sring = q->g.ring[1];
    cfg.tx = (struct netfront_pool){
        .pages = q->g.pool[0], .refs = q->g.pool_ref[0], .nr = q->v->pages[0]};
    cfg.rx = (struct netfront_pool){
        .pages = q->g.pool[1], .refs = q->g.pool_ref[1], .nr = q->v->pages[1]};
    q->nf = netfront_new(&cfg);
    if (!q->nf)
        return -errno;
    netfront_rx_refill(q->nf);
    if (q->tx_waiting) /* what the guest sent while it had no backend goes now */
        resume_sock(q);
    return 0;
}

/* feature-ctrl-ring: Toeplitz hashing of every type, the default key and
 * our mapping table, asked before we connect (the backend answers once it
 * mapped the ring). */
static int ctrl_connect(struct vif_front *v)
{
    uint8_t *pages = v->q[0]->g.ctrl;
    struct netfront_ctrl_config cfg = {.sring = (xen_netif_ctrl_sring_t *)(void *)pages,
                                       .key_page = pages + 4096,
                                       .key_ref = v->q[0]->g.ctrl_ref[1],
                                       .map_page = pages + 2 * 4096,
                                       .map_ref = v->q[0]->g.ctrl_ref[2],
                                       .notify = ctrl_notify,
                                       .ctx = v};
    int err = bind_port(v, &v->port_ctrl);

    if (err)
        return err;
    v->ctrl = netfront_ctrl_new(&cfg);
    if (!v->ctrl)
        return -errno;
    return netfront_ctrl_set_hash(v->ctrl, 0xf, toeplitz_default_key, TOEPLITZ_MAX_KEY,
                                  v->opts.rss_table, v->opts.rss_size);
}

static unsigned unsigned_key(struct vif_front *v, const char *key, unsigned dflt)
{
    unsigned n;

    return xenbus_scanf(v->xs, XBT_NULL, v->backend, key, "%u", &n) == 1 ? n : dflt;
}

/* What we ask for: the backend's offer, within our own limit. */
static unsigned queues_wanted(struct vif_front *v)
{
    unsigned n = unsigned_key(v, "multi-queue-max-queues", 1);
    unsigned mine = v->opts.ep ? 1 : v->opts.max_queues ? v->opts.max_queues : VIF_FRONT_MAX_QUEUES;

    if (n > mine)
        n = mine;
    if (n > VIF_FRONT_MAX_QUEUES)
        n = VIF_FRONT_MAX_QUEUES;
    return n ? n : 1;
}

static int vif_connect(struct vif_front *v)
{
    struct netif_features peer = {.sg = backend_feature(v, "feature-sg"),
                                  .gso_tcpv4 = backend_feature(v, "feature-gso-tcpv4"),
                                  .gso_tcpv6 = backend_feature(v, "feature-gso-tcpv6"),
                                  .csum_ipv4 = !backend_feature(v, "feature-no-csum-offload"),
                                  .csum_ipv6 = backend_feature(v, "feature-ipv6-csum-offload")};
    bool ctrl = v->opts.rss_table && backend_feature(v, "feature-ctrl-ring");
    unsigned n = queues_wanted(v);
    int err = 0;

    v->xgs = v->xgs ? v->xgs : xengntshr_open(NULL, 0);
    if (!v->xgs)
        err = -errno;
    for (unsigned i = 0; !err && i < n; i++) {
        if (!queue_get(v, i)) {
            err = -ENOMEM;
            break;
        }
        v->nqueues = i + 1;
        err = queue_connect(v->q[i], &peer, ctrl && i == 0);
    }
    if (!err && ctrl)
        err = ctrl_connect(v);
    if (!err)
        err = xenbus_transaction(v->xs, write_connect_keys, v);
    if (err) {
        log_warnx("vif %u: cannot connect: %s", v->devid, strerror(-err));
        vif_disconnect(v, XenbusStateClosed);
        return err;
    }
    log_info("vif %u: connected to %s, %u queue%s%s", v->devid, v->backend, n, n > 1 ? "s" : "",
             v->ctrl ? ", ctrl ring" : "");
    if (v->opts.ep)
        v->opts.ep->connected(v->opts.ep->ctx, v->q[0]->nf);
    return 0;
}

/* keep: queue 0's shares stay, to be moved to the next backend. */
static void queue_disconnect(struct vf_queue *q, bool keep)
{
    struct vif_front *v = q->v;

    if (q->nf && v->opts.ep)
        v->opts.ep->disconnected(v->opts.ep->ctx);
    if (q->nf)
        netfront_free(q->nf);
    q->nf = NULL;
    if (q->port)
        xenevtchn_unbind(v->xce, q->port);
    if (q->port_rx)
        xenevtchn_unbind(v->xce, q->port_rx);
    q->port = q->port_rx = 0;
    if (v->xgs && !(keep && q->idx == 0))
        unshare_all(q, &q->g);
    if (q->idx > 0 && q->sock >= 0) { /* it leaves the fanout group */
        event_free(q->sock_ev);
        close(q->sock);
        q->sock_ev = NULL;
        q->sock = -1;
        q->tx_waiting = false;
    }
}

static void vif_disconnect_keep(struct vif_front *v, XenbusState state, bool keep)
{
    if (v->nqueues)
        log_info("vif %u: disconnected from %s", v->devid, v->backend);
    netfront_ctrl_free(v->ctrl);
    v->ctrl = NULL;
    if (v->port_ctrl)
        xenevtchn_unbind(v->xce, v->port_ctrl);
    v->port_ctrl = 0;
    for (unsigned i = 0; i < v->nqueues; i++)
        queue_disconnect(v->q[i], keep);
    v->nqueues = 0;
    xenbus_switch_state(v->xs, v->dir, state);
}

static void vif_disconnect(struct vif_front *v, XenbusState state)
{
    vif_disconnect_keep(v, state, false);
}

/*
 * Grants queue 0's shared pages to backend domain `to` in place of the one
 * we leave (xengntshr_share_move: no hypercall): sharing them afresh was
 * 100-300 ms of a standby's take-over on a loaded host, each guest's 508
 * pages a frame and an fd each in the hypervisor, all guests at once.
 * False when some could not move (a peer still maps it): then everything
 * is unshared and shared anew, as before.
 */
static bool move_shares(struct vf_queue *q, uint32_t to)
{
    struct vif_front *v = q->v;
    struct grants *g = &q->g;
    bool ok = !g->ctrl || xengntshr_share_move(v->xgs, g->ctrl, CTRL_PAGES, to) == 0;

    for (int d = 0; ok && d < 2; d++)
        ok = (!g->ring[d] || xengntshr_share_move(v->xgs, g->ring[d], 1, to) == 0) &&
             (!g->pool[d] || xengntshr_share_move(v->xgs, g->pool[d], v->pages[d], to) == 0);
    return ok && g->ring[0];
}

/*
 * Grants queue 0's rings and buffers to a backend we follow before it is
 * ready for us (a restarted driver domain still starting): sharing 508
 * pages is most of a connect (100-150 ms on a loaded host), and done here
 * it overlaps the backend's start instead of following its InitWait.  A
 * failure is left to the connect, which shares what is missing.
 */
static void preshare(struct vif_front *v)
{
    struct vf_queue *q0 = queue_get(v, 0);

    v->xgs = v->xgs ? v->xgs : xengntshr_open(NULL, 0);
    if (q0 && v->xgs && !v->nqueues)
        share_all(v, &q0->g, false);
}

/* Follows the frontend's "backend" key (the toolstack re-points it). */
static void follow_backend(struct vif_front *v)
{
    char *path = NULL;
    unsigned id = 0;
    int err;

    if (xenbus_read(v->xs, XBT_NULL, v->dir, "backend", &path) < 0)
        return;
    if (strcmp(path, v->backend)) {
        /* Straight from one backend to the next (a standby taking over
         * from a dead one): what queue 0 shared goes with us. */
        bool has_id = xenbus_scanf(v->xs, XBT_NULL, v->dir, "backend-id", "%u", &id) == 1;
        bool move = path[0] && v->backend[0] && v->q[0] && v->xgs && has_id, moved = false;

        if (v->nqueues)
            vif_disconnect_keep(v, XenbusStateInitialising, move);
        if (move)
            moved = move_shares(v->q[0], id);
        if (!moved && v->q[0] && v->xgs) /* what was shared ahead for the old one */
            unshare_all(v->q[0], &v->q[0]->g);
        if (v->backend[0] && (err = xenbus_unwatch_state(v->xs, v->backend, "backend-state")))
            log_warnx("vif %u: unwatching %s/state: %s", v->devid, v->backend, strerror(-err));
        snprintf(v->backend, sizeof(v->backend), "%s", path);
        if (has_id)
            v->backend_id = id;
        if (v->backend[0] && (err = xenbus_watch_state(v->xs, v->backend, "backend-state"))) {
            /* Followed later: the next change of our directory tries again. */
            log_errorx("vif %u: cannot watch %s/state: %s", v->devid, v->backend, strerror(-err));
            v->backend[0] = '\0';
        } else if (v->backend[0]) {
            log_info("vif %u: backend %s (domain %u)%s", v->devid, v->backend, v->backend_id,
                     moved ? ", queue 0's pages granted to it in place" : "");
            preshare(v);
        } else {
            log_info("vif %u: no backend (its driver domain went away)", v->devid);
        }
    }
    free(path);
}

void vif_front_watch(struct vif_front *v, const char *path)
{
    XenbusState be;

    if (strncmp(path, v->dir, strlen(v->dir)) &&
        (!v->backend[0] || strncmp(path, v->backend, strlen(v->backend))))
        return;
    follow_backend(v);
    for (unsigned i = 0; i < VIF_FRONT_MAX_QUEUES; i++)
        if (v->q[i])
            unshare_stale(v->q[i]);
    if (!v->backend[0])
        return;
    be = xenbus_read_state(v->xs, XBT_NULL, v->backend);
    switch (be) {
    case XenbusStateInitWait:
        if (!v->nqueues)
            vif_connect(v);
        break;
    case XenbusStateClosing:
        if (v->nqueues)
            vif_disconnect(v, XenbusStateClosing);
        break;
    case XenbusStateClosed:
    case XenbusStateUnknown:
        /* Gone or done: ready for the next backend. */
        vif_disconnect(v, XenbusStateInitialising);
        break;
    default:
        break;
    }
}

/* Says once per queue that the backend hashes for us (ctrl ring at work). */
static void note_hashed(struct vf_queue *q)
{
    struct netfront_stats st;

    if (q->told_hashed || !q->v->ctrl)
        return;
    netfront_get_stats(q->nf, &st);
    if (st.rx_hashed) {
        q->told_hashed = true;
        log_info("vif %u queue %u: frames arrive with their Toeplitz hash", q->v->devid, q->idx);
    }
}

/* Hands the gathered frames to the socket: 0 to n of them go, the kernel
 * refusing one (its offload flags do not fit it: the backend chose the
 * frame, so the warning is rate-limited) skips it, a full socket drops the
 * rest, as a full queue of ethD's would. */
static void send_batch(struct vf_queue *q, struct mmsghdr *mm, unsigned n)
{
    for (unsigned i = 0; i < n;) {
        int sent = sendmmsg(q->sock, mm + i, n - i, MSG_DONTWAIT);

        if (sent > 0) {
            i += (unsigned)sent;
            continue;
        }
        if (errno == EAGAIN || errno == ENOBUFS)
            return;
        log_warn_limited(&q->sock_warnings, true, "vif %u: send to eth%u", q->v->devid,
                         q->v->devid);
        i++;
    }
}

/* Frames the backend delivered, to ethD with their virtio headers, up to
 * SOCK_BATCH a call, sent straight from the granted RX pages (readable
 * until the refill at the end). */
static void rx_to_sock(struct vf_queue *q)
{
    struct virtio_net_hdr vh[SOCK_BATCH];
    struct iovec iov[SOCK_BATCH][1 + NETIF_MAX_SLOTS];
    struct mmsghdr mm[SOCK_BATCH];
    unsigned n = 0, nseg;
    int rc;

    while ((rc = netfront_rx_recv_iov(q->nf, &vh[n], iov[n] + 1, &nseg, FRAME_MAX)) != 0) {
        if (rc == -EPROTO) {
            log_warnx("vif %u: backend broke the protocol", q->v->devid);
            vif_disconnect(q->v, XenbusStateClosing);
            return;
        }
        if (rc < 0)
            continue; /* dropped by netfront */
        iov[n][0] = (struct iovec){&vh[n], sizeof(vh[n])};
        mm[n] = (struct mmsghdr){.msg_hdr = {.msg_iov = iov[n], .msg_iovlen = 1 + nseg}};
        if (++n == SOCK_BATCH) {
            send_batch(q, mm, n);
            n = 0;
        }
    }
    send_batch(q, mm, n);
    note_hashed(q);
    netfront_rx_refill(q->nf);
}

/* The backend answered: the socket is read again (on_sock looks for room itself). */
static void resume_sock(struct vf_queue *q)
{
    q->tx_waiting = false;
    event_add(q->sock_ev, NULL);
}

static void queue_event(struct vf_queue *q, evtchn_port_t port)
{
    bool tx = port == q->port, rx = q->port_rx ? port == q->port_rx : tx;
    const struct vif_front_endpoint *ep = q->v->opts.ep;

    if (ep) {
        if (ep->event(ep->ctx, tx, rx) < 0) {
            log_warnx("vif %u: backend broke the protocol", q->v->devid);
            vif_disconnect(q->v, XenbusStateClosing);
        }
        return;
    }
    if (tx && netfront_tx_reap(q->nf) == -EPROTO) {
        vif_disconnect(q->v, XenbusStateClosing);
        return;
    }
    if (tx && q->tx_waiting)
        resume_sock(q);
    if (rx)
        rx_to_sock(q);
}

/* The backend answered our hash requests. */
static void ctrl_event(struct vif_front *v)
{
    uint16_t type = 0;
    int rc = netfront_ctrl_poll(v->ctrl, &type);

    if (rc == 1)
        log_info("vif %u: ctrl ring: Toeplitz hashing on, %u-entry mapping table", v->devid,
                 v->opts.rss_size);
    else if (rc == -EREMOTEIO)
        log_warnx("vif %u: ctrl ring: backend refused request type %u", v->devid, type);
    else if (rc == -EPROTO)
        log_warnx("vif %u: ctrl ring: backend broke the protocol", v->devid);
}

void vif_front_event(struct vif_front *v, evtchn_port_t port)
{
    if (!v->nqueues || !port)
        return;
    if (port == v->port_ctrl) {
        ctrl_event(v);
        return;
    }
    for (unsigned i = 0; i < v->nqueues; i++)
        if (port == v->q[i]->port || port == v->q[i]->port_rx) {
            queue_event(v->q[i], port);
            return;
        }
}

/* The socket is not read until the backend answers or comes: its frames
 * wait in its receive queue (up to its buffer, then the kernel drops). */
static void stop_sock(struct vf_queue *q)
{
    q->tx_waiting = true;
    event_del(q->sock_ev);
}

/* One recvmmsg into a lending of granted TX pages: the frames it read
 * queued, the pages it did not fill back.  The frames read (*more: as many
 * as were lent, so more may wait); -EAGAIN when the ring or the pages are
 * full; -EPROTO. */
static int sock_to_ring(struct vf_queue *q, int fd, bool *more)
{
    struct iovec pages[NETFRONT_TX_BATCH * NETFRONT_TX_PAGES];
    struct iovec iov[NETFRONT_TX_BATCH][1 + NETFRONT_TX_PAGES];
    struct virtio_net_hdr vh[NETFRONT_TX_BATCH];
    struct mmsghdr mm[NETFRONT_TX_BATCH];
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
    } ctl[NETFRONT_TX_BATCH];
    int n = netfront_tx_borrow(q->nf, pages, NETFRONT_TX_BATCH), got, err;

    if (n < 0)
        return n;
    for (int j = 0; j < n; j++) {
        iov[j][0] = (struct iovec){&vh[j], sizeof(vh[j])};
        memcpy(iov[j] + 1, pages + j * NETFRONT_TX_PAGES, sizeof(pages[0]) * NETFRONT_TX_PAGES);
        mm[j] = (struct mmsghdr){.msg_hdr = {.msg_iov = iov[j],
                                             .msg_iovlen = 1 + NETFRONT_TX_PAGES,
                                             .msg_control = ctl[j].buf,
                                             .msg_controllen = sizeof(ctl[j].buf)}};
    }
    got = recvmmsg(fd, mm, (unsigned)n, MSG_DONTWAIT, NULL);
    err = got < 0 ? errno : 0;
    for (int j = 0; j < got; j++) {
        size_t len = mm[j].msg_len;
        uint16_t tpid, tci;

        if (len <= sizeof(vh[j]) || (mm[j].msg_hdr.msg_flags & MSG_TRUNC))
            continue;
        len -= sizeof(vh[j]);
        /* The tag nfD's receive path took out (programs sending tagged
         * frames: a rare path) goes back in. */
        if (sv_vlan_of_msg(&mm[j].msg_hdr, &tpid, &tci) &&
            sv_vlan_put_back(iov[j] + 1, NETFRONT_TX_PAGES, &len, &vh[j], tpid, tci) < 0)
            continue;
        if (netfront_tx_send_borrowed(q->nf, (unsigned)j, &vh[j], len) == -EPROTO) {
            netfront_tx_unborrow(q->nf);
            return -EPROTO;
        }
    }
    netfront_tx_unborrow(q->nf);
    *more = got == n;
    if (err && err != EAGAIN) {
        /* A frame the kernel cannot describe in a virtio header (a GSO type
         * it has no name for) fails the call and is gone: counted as read,
         * the next one may be. */
        errno = err;
        log_warn_limited(&q->sock_warnings, true, "vif %u: read from eth%u", q->v->devid,
                         q->v->devid);
        *more = true;
        return 1;
    }
    return got < 0 ? 0 : got;
}

/*
 * Frames from ethD, read in batches straight into granted TX pages (no
 * copy here), up to SOCK_BATCH a readiness, one flush for them.  With no
 * backend (its driver domain restarting) they are left in the socket and
 * go once one connects, instead of being read and dropped: a guest's ping
 * or TCP segment sent in the outage arrives late rather than not at all,
 * and TCP does not wait for its retransmission timeout (200 ms and up).
 */
static void on_sock(evutil_socket_t fd, short what, void *arg)
{
    struct vf_queue *q = arg;
    bool more = true;
    int got = 0, rc = 0;

    (void)what;
    if (q->v->primary.xmit) {
        rc = q->v->primary.xmit(q->v->primary.ctx, fd);
        if (rc == -EAGAIN)
            stop_sock(q);
        if (rc != -ENOTCONN)
            return;
    }
    if (!q->nf) {
        stop_sock(q);
        return;
    }
    while (more && got < SOCK_BATCH && (rc = sock_to_ring(q, fd, &more)) >= 0)
        got += rc;
    if (rc == -EAGAIN) {
        /* Ring or buffers full: publish what is queued and stop reading this
         * socket (the frames wait in it) until the backend answers. */
        stop_sock(q);
    } else if (rc < 0) {
        vif_disconnect(q->v, XenbusStateClosing);
        return;
    }
    netfront_tx_flush(q->nf);
}

struct vif_front *vif_front_new(struct event_base *base, struct xs_handle *xs,
                                xenevtchn_handle *xce, unsigned devid,
                                const struct vif_front_opts *opts)
{
    struct vif_front *v = NULL;
    unsigned int len;
    char *domid = NULL;
    struct vf_queue *q0;
    int err;

    if (opts->buffers > VIF_FRONT_MAX_BUFFERS) {
        errno = EINVAL;
        return NULL;
    }
    v = calloc(1, sizeof(*v));
    domid = xs_read(xs, XBT_NULL, "domid", &len);
    if (!v || !domid)
        goto out_free;
    v->base = base;
    v->xs = xs;
    v->xce = xce;
    v->devid = devid;
    v->opts = *opts;
    snprintf(v->dir, sizeof(v->dir), "/local/domain/%s/device/vif/%u", domid, devid);
    v->pages[0] = v->pages[1] = opts->buffers ? opts->buffers : VIF_FRONT_MAX_BUFFERS;
    read_queue_size(v, SV_XS_TX_QUEUE_SIZE, &v->pages[0]);
    read_queue_size(v, SV_XS_RX_QUEUE_SIZE, &v->pages[1]);
    q0 = queue_get(v, 0);
    if (!q0)
        goto out_free;
    if (!opts->ep && (err = queue_sock(q0)) < 0) {
        log_warnx("vif %u: no eth%u: %s", devid, devid, strerror(-err));
        goto out_queue;
    }
    if (!xs_watch(xs, v->dir, "frontend")) {
        log_warn("vif %u: cannot watch %s", devid, v->dir);
        goto out_queue;
    }
    free(domid);
    return v; /* the watch fires once at once: follow_backend runs then */

out_queue:
    if (q0->sock_ev)
        event_free(q0->sock_ev);
    if (q0->sock >= 0)
        close(q0->sock);
    free(q0);
out_free:
    free(domid);
    free(v);
    return NULL;
}

void vif_front_set_primary(struct vif_front *v, const struct vif_front_primary *p)
{
    v->primary = p ? *p : (struct vif_front_primary){0};
    vif_front_primary_room(v);
}

void vif_front_primary_room(struct vif_front *v)
{
    for (unsigned i = 0; i < VIF_FRONT_MAX_QUEUES; i++)
        if (v->q[i] && v->q[i]->tx_waiting && v->q[i]->sock_ev)
            resume_sock(v->q[i]);
}

int vif_front_sock(const struct vif_front *v)
{
    return v->q[0]->sock;
}

unsigned vif_front_devid(const struct vif_front *v)
{
    return v->devid;
}

void vif_front_free(struct vif_front *v)
{
    int err;

    if (!v)
        return;
    vif_disconnect(v, XenbusStateClosed);
    if (v->q[0] && v->xgs) /* shared ahead, never connected */
        unshare_all(v->q[0], &v->q[0]->g);
    /* Left behind, these watches would make a vif of this devid attached
     * again fail to watch the same paths (EEXIST) and never connect. */
    if (!xs_unwatch(v->xs, v->dir, "frontend"))
        log_warn("vif %u: unwatching %s", v->devid, v->dir);
    if (v->backend[0] && (err = xenbus_unwatch_state(v->xs, v->backend, "backend-state")))
        log_warnx("vif %u: unwatching %s/state: %s", v->devid, v->backend, strerror(-err));
    for (unsigned i = 0; i < VIF_FRONT_MAX_QUEUES; i++) {
        if (!v->q[i])
            continue;
        if (v->q[i]->sock_ev)
            event_free(v->q[i]->sock_ev);
        if (v->q[i]->sock >= 0)
            close(v->q[i]->sock);
        free(v->q[i]);
    }
    if (v->xgs)
        xengntshr_close(v->xgs);
    free(v);
}
