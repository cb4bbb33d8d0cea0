/* One vif of a backend: xenbus handshake, rings and netback (see vif_back.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xen/io/xenbus.h>
#include <xengnttab.h>

#include "sv/gntcache.h"
#include "sv/gnttab_ext.h"
#include "sv/log.h"
#include "sv/netback.h"
#include "sv/netif_offload.h"
#include "sv/xenbus.h"
#include "sv/xnic.h"
#include "sv/vif_back.h"

/* TX packets per event or poll (Linux: the NAPI budget): a ring's worth.  64
 * (Linux's) cost twice the wake-ups and doorbells per small frame here,
 * and one ring of small frames is ~60 us of netdd's time. */
#define VIF_TX_BUDGET  256
#define GNTCACHE_PAGES 1024  /* persistent mappings per vif: both buffer pools and then some */
#define DEVMAP_REFS    16384 /* grant refs we map for the device (a guest's table size) */
#define DEVMAP_MAX     512   /* device mappings per vif: its TX buffers */
#define TX_INFLIGHT    256   /* zero-copy packets the device may hold */

/* A guest page mapped for the device (persistent, like gntcache's). */
struct devmap_entry {
    void *host;
    uint64_t iova;
};

struct vif_back {
    struct vif_back_env env;
    char dir[160];      /* our backend directory */
    char frontend[160]; /* the frontend's directory */
    uint32_t fe_domid;
    unsigned devid;
    uint8_t mac[6];
    void *port; /* the host's (pool) */
    bool attached;
    void *rings;             /* TX, RX shared rings mapped side by side */
    evtchn_port_t evtchn;    /* the TX ring's port (the only one unless split) */
    evtchn_port_t evtchn_rx; /* the RX ring's port with split event channels, else 0 */
    bool rx_gso;             /* the guest takes TCPv4 GSO frames */
    bool tx_more;            /* the TX budget ran out: vif_back_poll() goes on */
    bool tx_blocked;         /* tx_pkt waits for a host buffer (vif_back_poll()) */
    struct netback_packet tx_pkt;
    struct netback_queue *q;
    struct gntcache *cache;
    struct devmap_entry *devmap; /* [DEVMAP_REFS], by grant ref */
    unsigned ndevmap;
    struct netback_packet *inflight; /* [TX_INFLIGHT] zero-copy packets at the device */
    bool *inflight_used;
};

static const char *const backend_features[][2] = {
    {"feature-rx-copy", "1"},
    {"feature-rx-flip", "0"},
    {"feature-sg", "1"},
    {"feature-gso-tcpv4", "1"},
    {"feature-gso-tcpv6", "1"},
    {"feature-ipv6-csum-offload", "1"},
    {"feature-rx-notify", "1"},
    {"multi-queue-max-queues", "1"},
    {"feature-split-event-channels", "1"},
};

/*
 * A page outside the persistent mappings (a frontend that uses more
 * buffers than the cache holds) is copied by the hypervisor instead:
 * mapping it would cost more than the copy and evict a page in use.
 */
static int grant_copy(struct vif_back *v, grant_ref_t ref, uint16_t off, void *local, uint16_t len,
                      bool to_grant)
{
    xengnttab_grant_copy_segment_t seg = {.len = len};
    union xengnttab_copy_ptr *remote = to_grant ? &seg.dest : &seg.source;

    remote->foreign.ref = ref;
    remote->foreign.offset = off;
    remote->foreign.domid = (uint16_t)v->fe_domid;
    (to_grant ? &seg.source : &seg.dest)->virt = local;
    seg.flags = to_grant ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
    if (xengnttab_grant_copy(v->env.xgt, 1, &seg) < 0)
        return -errno;
    return seg.status == GNTST_okay ? 0 : -EPERM;
}

static int copy_from(void *ctx, grant_ref_t ref, uint16_t off, void *dst, uint16_t len)
{
    struct vif_back *v = ctx;

    if (gntcache_would_evict(v->cache, v->fe_domid, ref))
        return grant_copy(v, ref, off, dst, len, false);
    return gntcache_copy_from(v->cache, v->fe_domid, ref, off, dst, len);
}

static int copy_to(void *ctx, grant_ref_t ref, uint16_t off, const void *src, uint16_t len)
{
    struct vif_back *v = ctx;

    if (gntcache_would_evict(v->cache, v->fe_domid, ref))
        return grant_copy(v, ref, off, (void *)src, len, true);
    return gntcache_copy_to(v->cache, v->fe_domid, ref, off, src, len);
}

static void notify(void *ctx, enum netback_event ev)
{
    struct vif_back *v = ctx;

    xenevtchn_notify(v->env.xce, ev == NETBACK_EVENT_RX && v->evtchn_rx ? v->evtchn_rx : v->evtchn);
}

static void on_disconnect(void *ctx, const char *reason)
{
    struct vif_back *v = ctx;

    log_warnx("vif %u.%u: frontend misbehaved (%s): closing it", v->fe_domid, v->devid, reason);
}

static const struct netback_ops netback_ops = {.copy_from_grant = copy_from,
                                               .copy_to_grant = copy_to,
                                               .notify = notify,
                                               .disconnect = on_disconnect};

static bool fe_flag(struct vif_back *v, const char *key)
{
    char *val = NULL;
    bool on = xenbus_read(v->env.xs, XBT_NULL, v->frontend, key, &val) == 0 && !strcmp(val, "1");

    free(val);
    return on;
}

/* The device mapping of ref (made on first use, kept), or NULL: copy instead. */
static struct devmap_entry *devmap_get(struct vif_back *v, grant_ref_t ref)
{
    struct devmap_entry *e;
    uint32_t domid = v->fe_domid;

    if (!v->devmap || ref >= DEVMAP_REFS)
        return NULL;
    e = &v->devmap[ref];
    if (e->host || v->ndevmap == DEVMAP_MAX)
        return e->host ? e : NULL;
    e->host = xengnttab_map_grant_refs_device(v->env.xgt, 1, &domid, &ref, PROT_READ | PROT_WRITE,
                                              &e->iova);
    if (!e->host)
        return NULL;
    v->ndevmap++;
    return e;
}

static void devmap_clear(struct vif_back *v)
{
    for (unsigned r = 0; v->devmap && r < DEVMAP_REFS && v->ndevmap; r++)
        if (v->devmap[r].host) {
            xengnttab_unmap(v->env.xgt, v->devmap[r].host, 1);
            v->ndevmap--;
        }
    free(v->devmap);
    free(v->inflight);
    free(v->inflight_used);
    v->devmap = NULL;
    v->inflight = NULL;
    v->inflight_used = NULL;
    v->ndevmap = 0;
}

static void vif_disconnect(struct vif_back *v)
{
    /* Detaching stops the device's queue first: it reads no grant after. */
    if (v->attached)
        v->env.ops->detach(v->env.host, v);
    v->attached = false;
    devmap_clear(v);
    if (v->q)
        netback_queue_free(v->q);
    v->q = NULL;
    v->tx_blocked = false;
    if (v->evtchn)
        xenevtchn_unbind(v->env.xce, v->evtchn);
    if (v->evtchn_rx)
        xenevtchn_unbind(v->env.xce, v->evtchn_rx);
    v->evtchn = v->evtchn_rx = 0;
    if (v->rings)
        xengnttab_unmap(v->env.xgt, v->rings, 2);
    v->rings = NULL;
    if (v->cache)
        gntcache_free(v->cache);
    v->cache = NULL;
}

/* The frontend published its rings and port: map, bind, attach, Connected. */
static int vif_connect(struct vif_back *v)
{
    uint32_t refs[2], domids[2] = {v->fe_domid, v->fe_domid};
    unsigned evtchn, evtchn_rx = 0;
    int port;
    /* feature-split-event-channels: one port per ring if the frontend wants it. */
    bool split =
        xenbus_scanf(v->env.xs, XBT_NULL, v->frontend, "event-channel-tx", "%u", &evtchn) == 1 &&
        xenbus_scanf(v->env.xs, XBT_NULL, v->frontend, "event-channel-rx", "%u", &evtchn_rx) == 1;
    struct netif_features rxf;

    if (xenbus_scanf(v->env.xs, XBT_NULL, v->frontend, "tx-ring-ref", "%u", &refs[0]) != 1 ||
        xenbus_scanf(v->env.xs, XBT_NULL, v->frontend, "rx-ring-ref", "%u", &refs[1]) != 1 ||
        (!split &&
         xenbus_scanf(v->env.xs, XBT_NULL, v->frontend, "event-channel", "%u", &evtchn) != 1)) {
        log_warnx("vif %u.%u: frontend gave no rings or event channel", v->fe_domid, v->devid);
        return -EINVAL;
    }
    if (!fe_flag(v, "request-rx-copy")) {
        log_warnx("vif %u.%u: frontend without request-rx-copy", v->fe_domid, v->devid);
        return -EOPNOTSUPP;
    }
    v->rings = xengnttab_map_grant_refs(v->env.xgt, 2, domids, refs, PROT_READ | PROT_WRITE);
    if (!v->rings)
        return -errno;
    port = xenevtchn_bind_interdomain(v->env.xce, v->fe_domid, evtchn);
    if (port < 0)
        return -errno;
    v->evtchn = (evtchn_port_t)port;
    if (split) {
        port = xenevtchn_bind_interdomain(v->env.xce, v->fe_domid, evtchn_rx);
        if (port < 0)
            return -errno;
        v->evtchn_rx = (evtchn_port_t)port;
    }
    v->cache = gntcache_new_xengnttab(v->env.xgt,
                                      v->env.cache_pages ? v->env.cache_pages : GNTCACHE_PAGES);
    if (v->env.ops->transmit_segs) {
        v->devmap = calloc(DEVMAP_REFS, sizeof(*v->devmap));
        v->inflight = calloc(TX_INFLIGHT, sizeof(*v->inflight));
        v->inflight_used = calloc(TX_INFLIGHT, sizeof(*v->inflight_used));
        if (!v->devmap || !v->inflight || !v->inflight_used)
            return -ENOMEM;
    }
    v->q = v->cache ? netback_queue_new(v->rings, (netif_rx_sring_t *)((char *)v->rings + 4096),
                                        &netback_ops, v)
                    : NULL;
    if (!v->q)
        return -ENOMEM;
    rxf = (struct netif_features){.sg = fe_flag(v, "feature-sg"),
                                  .gso_tcpv4 = fe_flag(v, "feature-gso-tcpv4"),
                                  .gso_tcpv6 = fe_flag(v, "feature-gso-tcpv6"),
                                  .csum_ipv4 = !fe_flag(v, "feature-no-csum-offload"),
                                  .csum_ipv6 = fe_flag(v, "feature-ipv6-csum-offload")};
    netback_set_rx_features(v->q, &rxf, false);
    v->rx_gso = rxf.sg && rxf.gso_tcpv4 && rxf.csum_ipv4;
    if (v->env.ops->attach(v->env.host, v, v->mac) < 0)
        return -ENOSPC;
    v->attached = true;
    return xenbus_switch_state(v->env.xs, v->dir, XenbusStateConnected);
}

static bool online(struct vif_back *v)
{
    unsigned on = 1;

    return xenbus_scanf(v->env.xs, XBT_NULL, v->dir, "online", "%u", &on) != 1 || on;
}

void vif_back_watch(struct vif_back *v, const char *path)
{
    XenbusState fe, be;

    if (strncmp(path, v->frontend, strlen(v->frontend)) && strncmp(path, v->dir, strlen(v->dir)))
        return;
    fe = xenbus_read_state(v->env.xs, XBT_NULL, v->frontend);
    be = xenbus_read_state(v->env.xs, XBT_NULL, v->dir);
    /* A frontend starting over finds us waiting again (Linux: prepare for reconnect). */
    if (online(v) && fe == XenbusStateInitialising && be == XenbusStateClosed) {
        xenbus_switch_state(v->env.xs, v->dir, XenbusStateInitWait);
        return;
    }
    if (!online(v) || be == XenbusStateClosing || fe == XenbusStateClosing ||
        fe == XenbusStateClosed || fe == XenbusStateUnknown) {
        if (be == XenbusStateConnected || be == XenbusStateClosing || v->q) {
            vif_disconnect(v);
            xenbus_switch_state(v->env.xs, v->dir, XenbusStateClosed);
            log_info("vif %u.%u: closed", v->fe_domid, v->devid);
        }
        return;
    }
    if ((fe == XenbusStateInitialised || fe == XenbusStateConnected) && !v->q &&
        be == XenbusStateInitWait) {
        int err = vif_connect(v);

        if (err) {
            log_warnx("vif %u.%u: cannot connect: %s", v->fe_domid, v->devid, strerror(-err));
            vif_disconnect(v);
            xenbus_switch_state(v->env.xs, v->dir, XenbusStateClosed);
            return;
        }
        log_info("vif %u.%u: connected", v->fe_domid, v->devid);
        /* Requests queued before we bound the ports rang no bell: look now. */
        vif_back_event(v, v->evtchn);
        vif_back_event(v, v->evtchn_rx);
    }
}

static void close_misbehaving(struct vif_back *v)
{
    vif_disconnect(v);
    xenbus_switch_state(v->env.xs, v->dir, XenbusStateClosed);
}

/* Hands pkt to the device where it lies (device-mapped grants): no copy. */
static int tx_zero_copy(struct vif_back *v, const struct netback_packet *pkt)
{
    struct vif_back_seg segs[NETIF_MAX_SLOTS];
    struct devmap_entry *first = NULL;
    struct netif_offload o;
    unsigned slot;
    int err;

    for (slot = 0; slot < TX_INFLIGHT && v->inflight_used[slot]; slot++)
        ;
    if (slot == TX_INFLIGHT)
        return -EBUSY;
    for (unsigned i = 0; i < pkt->nr_segs; i++) {
        struct devmap_entry *e = devmap_get(v, pkt->seg[i].gref);

        if (!e)
            return -ENOENT;
        first = first ? first : e;
        segs[i] =
            (struct vif_back_seg){.iova = e->iova + pkt->seg[i].offset, .len = pkt->seg[i].len};
    }
    netback_tx_offload(pkt, &o);
    v->inflight[slot] = *pkt;
    v->inflight_used[slot] = true;
    err = v->env.ops->transmit_segs(v->env.host, v, segs, pkt->nr_segs,
                                    (char *)first->host + pkt->seg[0].offset, pkt->seg[0].len, &o,
                                    slot);
    if (err)
        v->inflight_used[slot] = false;
    return err;
}

void vif_back_tx_complete(struct vif_back *v, uint32_t tag, bool ok)
{
    if (!v->q || !v->inflight_used || tag >= TX_INFLIGHT || !v->inflight_used[tag])
        return;
    v->inflight_used[tag] = false;
    netback_tx_done(v->q, &v->inflight[tag], ok ? NETIF_RSP_OKAY : NETIF_RSP_ERROR);
    netback_tx_flush(v->q);
}

/*
 * Frames from the guest: read by the device in place where it can, else
 * copied out of the guest's grants into the host's buffer.  At most
 * VIF_TX_BUDGET per call, so that a guest queueing as fast as we take cannot
 * keep us from the others: the rest waits for vif_back_poll(), after the
 * host's other events.  A frame the host has no buffer for waits (the
 * guest's ring fills and it stops: backpressure, not loss) until the host
 * calls vif_back_poll() with room.
 */
static void tx_drain(struct vif_back *v)
{
    struct netback_packet *pkt = &v->tx_pkt;
    unsigned budget = VIF_TX_BUDGET;

    v->tx_more = false;
    while (budget && (v->tx_blocked || netback_tx_next(v->q, pkt) == 1)) {
        struct netif_offload o;

        budget--;
        v->tx_blocked = false;
        if (v->devmap && tx_zero_copy(v, pkt) == 0)
            continue;
        size_t cap = pkt->len;
        /* One copy: from the guest's grant straight into the NIC's buffer. */
        void *buf = v->env.ops->tx_buffer(v->env.host, v, &cap);
        int len;
        int16_t status = NETIF_RSP_OKAY;

        if (!buf) {
            v->tx_blocked = true;
            budget = 1; /* not a budget stop: no poll_later */
            break;
        }
        len = netback_tx_copy(v->q, pkt, buf, cap);
        if (len == -ENOTCONN)
            break;
        netback_tx_offload(pkt, &o);
        if (len < 0 || v->env.ops->transmit(v->env.host, v, buf, (size_t)len, &o) < 0)
            status = NETIF_RSP_DROPPED;
        netback_tx_done(v->q, pkt, status);
    }
    if (netback_error(v->q)) {
        close_misbehaving(v);
        return;
    }
    netback_tx_flush(v->q);
    v->env.ops->flush(v->env.host, v);
    if (!budget) {
        v->tx_more = true;
        v->env.ops->poll_later(v->env.host, v);
    }
}

void vif_back_poll(struct vif_back *v)
{
    if (v->q && (v->tx_more || v->tx_blocked))
        tx_drain(v);
}

void vif_back_event(struct vif_back *v, evtchn_port_t port)
{
    bool tx = port == v->evtchn, rx = v->evtchn_rx ? port == v->evtchn_rx : tx;

    if (!v->q || !port || !(tx || rx))
        return;
    if (tx)
        tx_drain(v);
    if (rx && v->q)
        v->env.ops->rx_ready(v->env.host, v);
}

bool vif_back_rx_gso(const struct vif_back *v)
{
    return v->rx_gso;
}

bool vif_back_nic_validated(uint16_t nic_status)
{
    return (nic_status & XNIC_RXS_L4_OK) != 0;
}

int vif_back_receive(struct vif_back *v, const void *frame, size_t len, uint16_t nic_status)
{
    struct netif_offload o = {.data_validated = vif_back_nic_validated(nic_status)};

    return vif_back_receive_offload(v, frame, len, &o);
}

int vif_back_receive_offload(struct vif_back *v, const void *frame, size_t len,
                             const struct netif_offload *o)
{
    int err;

    if (!v->q)
        return -ENOTCONN;
    err = netback_rx_put(v->q, frame, len, o, NULL);
    if (err == -ENOTCONN)
        close_misbehaving(v);
    return err;
}

void vif_back_rx_flush(struct vif_back *v)
{
    if (v->q)
        netback_rx_flush(v->q);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned b[6];

    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
        return -EINVAL;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
    return 0;
}

static int write_features(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    struct vif_back *v = arg;
    int err = 0;

    for (size_t i = 0; !err && i < sizeof(backend_features) / sizeof(backend_features[0]); i++)
        err = xenbus_write(h, t, v->dir, backend_features[i][0], backend_features[i][1]);
    if (!err)
        err = xenbus_printf(h, t, v->dir, "state", "%d", XenbusStateInitWait);
    return err;
}

struct vif_back *vif_back_new(const struct vif_back_env *env, const char *dir)
{
    struct vif_back *v = calloc(1, sizeof(*v));
    char *front = NULL, *mac = NULL;

    if (!v)
        return NULL;
    v->env = *env;
    snprintf(v->dir, sizeof(v->dir), "%s", dir);
    if (sscanf(strrchr(dir, '/') + 1, "%u", &v->devid) != 1 ||
        xenbus_read(env->xs, XBT_NULL, dir, "frontend", &front) < 0 ||
        xenbus_scanf(env->xs, XBT_NULL, dir, "frontend-id", "%u", &v->fe_domid) != 1 ||
        xenbus_read(env->xs, XBT_NULL, dir, "mac", &mac) < 0 || parse_mac(mac, v->mac) < 0)
        goto out_free;
    snprintf(v->frontend, sizeof(v->frontend), "%s", front);
    if (xenbus_transaction(env->xs, write_features, v) < 0 ||
        !xs_watch(env->xs, v->frontend, v->dir))
        goto out_free;
    log_info("vif %u.%u: serving %s (frontend %s)", v->fe_domid, v->devid, dir, v->frontend);
    free(front);
    free(mac);
    return v;

out_free:
    free(front);
    free(mac);
    free(v);
    return NULL;
}

void vif_back_free(struct vif_back *v)
{
    if (!v)
        return;
    vif_disconnect(v);
    xs_unwatch(v->env.xs, v->frontend, v->dir);
    free(v);
}

void vif_back_publish(struct vif_back *v, const char *key, const char *value)
{
    xenbus_write(v->env.xs, XBT_NULL, v->dir, key, value);
}

const char *vif_back_dir(const struct vif_back *v)
{
    return v->dir;
}

uint32_t vif_back_frontend(const struct vif_back *v)
{
    return v->fe_domid;
}

void vif_back_set_port(struct vif_back *v, void *port)
{
    v->port = port;
}

void *vif_back_port(const struct vif_back *v)
{
    return v->port;
}
