/* A guest's vif: netfront, handshake and TAP relay or endpoint (see vif_front.h). */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xengnttab.h>

#include "sv/hcall.h"
#include "sv/log.h"
#include "sv/netfront.h"
#include "sv/xenbus.h"
#include "vif_front.h"

#define POOL_PAGES                                                                                 \
    253 /* buffers each way (a ring's worth, within one share call); refs are recycled */
#define FRAME_MAX (65536 + 64)
#define TAP_BATCH 64

/* What we granted to one backend; freed once that backend no longer maps it. */
struct grants {
    void *ring[2]; /* TX, RX shared rings */
    void *pool[2]; /* TX, RX buffers */
    uint32_t ring_ref[2];
    uint32_t pool_ref[2][POOL_PAGES];
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
    int tap; /* -1 with an endpoint */
    struct event *tap_ev;
    struct vif_front_endpoint ep; /* .event NULL: the TAP relay */
    struct netfront *nf;
    evtchn_port_t port;    /* the TX ring's port (the only one unless split) */
    evtchn_port_t port_rx; /* the RX ring's, when the backend offers split channels */
    struct grants g;
    struct grants stale; /* granted to a backend that went, still mapped */
    bool have_stale;
    unsigned char frame[FRAME_MAX];    /* RX: the frame being written to ethD */
    unsigned char tx_frame[FRAME_MAX]; /* TX: read from ethD, waiting for ring room when */
    struct virtio_net_hdr tx_vh;
    size_t tx_pending; /* ... non-zero: ethD is not read meanwhile */
};

/* /dev/net/tun from the hypervisor: a domain may not open it itself. */
static int tun_clone(void)
{
    int chan = hcall_open(), fd;

    if (chan < 0)
        return chan;
    fd = hcall_fd(chan, SV_HC_platform, SV_PLATFORM_open_tun);
    close(chan);
    return fd;
}

static int tap_open(unsigned devid)
{
    struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE};
    int fd = tun_clone();

    if (fd < 0)
        return fd;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "eth%u", devid);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int err = -errno;

        close(fd);
        return err;
    }
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
    struct vif_front *v = ctx;

    xenevtchn_notify(v->xce, ev == NETFRONT_EVENT_RX && v->port_rx ? v->port_rx : v->port);
}

static int share_all(struct vif_front *v, struct grants *g)
{
    for (int d = 0; d < 2; d++) {
        g->ring[d] = xengntshr_share_pages(v->xgs, v->backend_id, 1, &g->ring_ref[d], 1);
        g->pool[d] = xengntshr_share_pages(v->xgs, v->backend_id, POOL_PAGES, g->pool_ref[d], 1);
        if (!g->ring[d] || !g->pool[d])
            return -errno;
    }
    return 0;
}

/* Ends our grants; those the old backend still maps wait in v->stale. */
static void unshare_all(struct vif_front *v, struct grants *g)
{
    bool busy = false;

    for (int d = 0; d < 2; d++) {
        if (g->ring[d] && xengntshr_unshare(v->xgs, g->ring[d], 1) == 0)
            g->ring[d] = NULL;
        if (g->pool[d] && xengntshr_unshare(v->xgs, g->pool[d], POOL_PAGES) == 0)
            g->pool[d] = NULL;
        busy |= g->ring[d] || g->pool[d];
    }
    if (busy && g != &v->stale) {
        v->stale = *g;
        v->have_stale = true;
    } else if (!busy && g == &v->stale) {
        v->have_stale = false;
    }
    memset(g, 0, sizeof(*g));
}

static int write_connect_keys(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    struct vif_front *v = arg;
    const char *on[] = {"request-rx-copy",   "feature-rx-notify", "feature-sg",
                        "feature-gso-tcpv4", "feature-gso-tcpv6", "feature-ipv6-csum-offload"};
    int err = xenbus_printf(h, t, v->dir, "tx-ring-ref", "%u", v->g.ring_ref[0]);

    if (!err)
        err = xenbus_printf(h, t, v->dir, "rx-ring-ref", "%u", v->g.ring_ref[1]);
    if (!err && v->port_rx) {
        err = xenbus_printf(h, t, v->dir, "event-channel-tx", "%u", v->port);
        if (!err)
            err = xenbus_printf(h, t, v->dir, "event-channel-rx", "%u", v->port_rx);
    } else if (!err) {
        err = xenbus_printf(h, t, v->dir, "event-channel", "%u", v->port);
    }
    for (size_t i = 0; !err && i < sizeof(on) / sizeof(on[0]); i++)
        err = xenbus_write(h, t, v->dir, on[i], "1");
    if (!err)
        err = xenbus_printf(h, t, v->dir, "state", "%d", XenbusStateConnected);
    return err;
}

/* The offloads the TAP may hand us: what the backend takes. */
static void tap_offloads(struct vif_front *v, const struct netif_features *f)
{
    unsigned off = 0;

    if (f->csum_ipv4)
        off |= TUN_F_CSUM;
    if (f->csum_ipv4 && f->sg && f->gso_tcpv4)
        off |= TUN_F_TSO4;
    if (f->csum_ipv4 && f->sg && f->gso_tcpv6)
        off |= TUN_F_TSO6;
    ioctl(v->tap, TUNSETOFFLOAD, off);
}

static void vif_disconnect(struct vif_front *v, XenbusState state);

static int vif_connect(struct vif_front *v)
{
    struct netfront_config cfg = {.notify = notify, .ctx = v};
    int port, err;

    v->xgs = v->xgs ? v->xgs : xengntshr_open(NULL, 0);
    if (!v->xgs || share_all(v, &v->g) < 0)
        goto out_errno;
    port = xenevtchn_bind_unbound_port(v->xce, v->backend_id);
    if (port < 0)
        goto out_errno;
    v->port = (evtchn_port_t)port;
    if (backend_feature(v, "feature-split-event-channels")) {
        port = xenevtchn_bind_unbound_port(v->xce, v->backend_id);
        if (port < 0)
            goto out_errno;
        v->port_rx = (evtchn_port_t)port;
    }
    cfg.tx_sring = v->g.ring[0];
    cfg.rx_sring = v->g.ring[1];
    cfg.tx =
        (struct netfront_pool){.pages = v->g.pool[0], .refs = v->g.pool_ref[0], .nr = POOL_PAGES};
    cfg.rx =
        (struct netfront_pool){.pages = v->g.pool[1], .refs = v->g.pool_ref[1], .nr = POOL_PAGES};
    cfg.peer =
        (struct netif_features){.sg = backend_feature(v, "feature-sg"),
                                .gso_tcpv4 = backend_feature(v, "feature-gso-tcpv4"),
                                .gso_tcpv6 = backend_feature(v, "feature-gso-tcpv6"),
                                .csum_ipv4 = !backend_feature(v, "feature-no-csum-offload"),
                                .csum_ipv6 = backend_feature(v, "feature-ipv6-csum-offload")};
    v->nf = netfront_new(&cfg);
    if (!v->nf)
        goto out_errno;
    if (v->tap >= 0)
        tap_offloads(v, &cfg.peer);
    netfront_rx_refill(v->nf);
    err = xenbus_transaction(v->xs, write_connect_keys, v);
    if (err) {
        vif_disconnect(v, XenbusStateClosed);
        return err;
    }
    if (v->ep.connected)
        v->ep.connected(v->ep.ctx, v->nf);
    log_info("vif %u: connected to %s", v->devid, v->backend);
    return 0;

out_errno:
    err = -errno;
    log_warn("vif %u: cannot connect", v->devid);
    vif_disconnect(v, XenbusStateClosed);
    return err;
}

static void vif_disconnect(struct vif_front *v, XenbusState state)
{
    if (v->tx_pending) { /* dropped with the connection; ethD is read again */
        v->tx_pending = 0;
        event_add(v->tap_ev, NULL);
    }
    if (v->nf) {
        if (v->ep.disconnected)
            v->ep.disconnected(v->ep.ctx);
        netfront_free(v->nf);
        v->nf = NULL;
        log_info("vif %u: disconnected from %s", v->devid, v->backend);
    }
    if (v->port)
        xenevtchn_unbind(v->xce, v->port);
    if (v->port_rx)
        xenevtchn_unbind(v->xce, v->port_rx);
    v->port = v->port_rx = 0;
    if (v->xgs)
        unshare_all(v, &v->g);
    xenbus_switch_state(v->xs, v->dir, state);
}

/* Follows the frontend's "backend" key (the toolstack re-points it). */
static void follow_backend(struct vif_front *v)
{
    char *path = NULL;
    unsigned id = 0;

    if (xenbus_read(v->xs, XBT_NULL, v->dir, "backend", &path) < 0)
        return;
    if (strcmp(path, v->backend)) {
        if (v->nf)
            vif_disconnect(v, XenbusStateInitialising);
        if (v->backend[0])
            xs_unwatch(v->xs, v->backend, "backend-state");
        snprintf(v->backend, sizeof(v->backend), "%s", path);
        if (xenbus_scanf(v->xs, XBT_NULL, v->dir, "backend-id", "%u", &id) == 1)
            v->backend_id = id;
        if (v->backend[0]) {
            xenbus_watch_state(v->xs, v->backend, "backend-state");
            log_info("vif %u: backend %s (domain %u)", v->devid, v->backend, v->backend_id);
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
    if (v->have_stale)
        unshare_all(v, &v->stale);
    if (!v->backend[0])
        return;
    be = xenbus_read_state(v->xs, XBT_NULL, v->backend);
    switch (be) {
    case XenbusStateInitWait:
        if (!v->nf)
            vif_connect(v);
        break;
    case XenbusStateClosing:
        if (v->nf)
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

/* Frames the backend delivered, to ethD with their virtio headers. */
static void rx_to_tap(struct vif_front *v)
{
    struct virtio_net_hdr vh;
    int n;

    while ((n = netfront_rx_recv(v->nf, &vh, v->frame, sizeof(v->frame))) != 0) {
        struct iovec iov[2] = {{&vh, sizeof(vh)}, {v->frame, (size_t)(n > 0 ? n : 0)}};

        if (n == -EPROTO) {
            log_warnx("vif %u: backend broke the protocol", v->devid);
            vif_disconnect(v, XenbusStateClosing);
            return;
        }
        if (n > 0 && writev(v->tap, iov, 2) < 0 && errno != EAGAIN)
            log_warn("vif %u: write to eth%u", v->devid, v->devid);
    }
    netfront_rx_refill(v->nf);
}

/* Sends the frame held back for ring room; false while there is none. */
static bool send_pending(struct vif_front *v)
{
    int err;

    if (!v->tx_pending)
        return true;
    err = v->nf ? netfront_tx_send(v->nf, &v->tx_vh, v->tx_frame, v->tx_pending) : 0;
    if (err == -EAGAIN)
        return false;
    v->tx_pending = 0;
    event_add(v->tap_ev, NULL); /* read ethD again */
    return true;
}

void vif_front_event(struct vif_front *v, evtchn_port_t port)
{
    bool tx = port == v->port, rx = v->port_rx ? port == v->port_rx : tx;

    if (!v->nf || !port || !(tx || rx))
        return;
    if (v->ep.event) {
        if (v->ep.event(v->ep.ctx, tx, rx) < 0) {
            log_warnx("vif %u: backend broke the protocol", v->devid);
            vif_disconnect(v, XenbusStateClosing);
        }
        return;
    }
    if (tx && netfront_tx_reap(v->nf) == -EPROTO) {
        vif_disconnect(v, XenbusStateClosing);
        return;
    }
    if (tx && v->tx_pending && send_pending(v))
        netfront_tx_flush(v->nf);
    if (rx)
        rx_to_tap(v);
}

static void on_tap(evutil_socket_t fd, short what, void *arg)
{
    struct vif_front *v = arg;

    (void)what;
    for (int i = 0; i < TAP_BATCH; i++) {
        struct iovec iov[2] = {{&v->tx_vh, sizeof(v->tx_vh)}, {v->tx_frame, sizeof(v->tx_frame)}};
        ssize_t n = readv(fd, iov, 2);
        size_t len;
        int err;

        if (n <= (ssize_t)sizeof(v->tx_vh))
            break;
        if (!v->nf)
            continue; /* no backend: dropped */
        len = (size_t)n - sizeof(v->tx_vh);
        err = netfront_tx_send(v->nf, &v->tx_vh, v->tx_frame, len);
        if (err == -EAGAIN) {
            /* Ring or buffers full: publish what is queued, keep this frame
             * and stop reading ethD until the backend answers. */
            netfront_tx_flush(v->nf);
            v->tx_pending = len;
            event_del(v->tap_ev);
            return;
        }
        if (err == -EPROTO) {
            vif_disconnect(v, XenbusStateClosing);
            return;
        }
    }
    if (v->nf)
        netfront_tx_flush(v->nf);
}

/* ethD, read as it becomes readable. */
static int tap_start(struct vif_front *v)
{
    v->tap = tap_open(v->devid);
    if (v->tap < 0) {
        log_warnx("vif %u: no eth%u: %s", v->devid, v->devid, strerror(-v->tap));
        return v->tap;
    }
    v->tap_ev = event_new(v->base, v->tap, EV_READ | EV_PERSIST, on_tap, v);
    if (!v->tap_ev || event_add(v->tap_ev, NULL) < 0) {
        if (v->tap_ev)
            event_free(v->tap_ev);
        close(v->tap);
        return -ENOMEM;
    }
    return 0;
}

static void tap_stop(struct vif_front *v)
{
    if (v->tap < 0)
        return;
    event_free(v->tap_ev);
    close(v->tap);
}

struct vif_front *vif_front_new(struct event_base *base, struct xs_handle *xs,
                                xenevtchn_handle *xce, unsigned devid,
                                const struct vif_front_endpoint *ep)
{
    struct vif_front *v = calloc(1, sizeof(*v));
    unsigned int len;
    char *domid = xs_read(xs, XBT_NULL, "domid", &len);

    if (!v || !domid)
        goto out_free;
    v->base = base;
    v->xs = xs;
    v->xce = xce;
    v->devid = devid;
    snprintf(v->dir, sizeof(v->dir), "/local/domain/%s/device/vif/%u", domid, devid);
    v->tap = -1;
    if (ep)
        v->ep = *ep;
    else if (tap_start(v) < 0)
        goto out_free;
    if (!xs_watch(xs, v->dir, "frontend"))
        goto out_tap;
    free(domid);
    return v; /* the watch fires once at once: follow_backend runs then */

out_tap:
    tap_stop(v);
out_free:
    free(domid);
    free(v);
    return NULL;
}

unsigned vif_front_devid(const struct vif_front *v)
{
    return v->devid;
}

void vif_front_free(struct vif_front *v)
{
    if (!v)
        return;
    vif_disconnect(v, XenbusStateClosed);
    if (v->xgs)
        xengntshr_close(v->xgs);
    tap_stop(v);
    free(v);
}
