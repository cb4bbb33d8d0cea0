/* One vif of a backend: xenbus handshake, rings and netback (see vif_back.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xen/io/xenbus.h>
#include <xengnttab.h>

#include "sv/gntcache.h"
#include "sv/ipfilter.h"
#include "sv/gnttab_ext.h"
#include "sv/log.h"
#include "sv/netback.h"
#include "sv/netback_ctrl.h"
#include "sv/netif_offload.h"
#include "sv/pktparse.h"
#include "sv/ratelimit.h"
#include "sv/swoffload.h"
#include "sv/toeplitz.h"
#include "sv/vlan.h"
#include "sv/xenbus.h"
#include "sv/abi/xs_net.h"
#include "sv/vif_back.h"

/* TX packets per event or poll (Linux: the NAPI budget): a ring's worth.  64
 * (Linux's) cost twice the wake-ups and doorbells per small frame here,
 * and one ring of small frames is ~60 us of netdd's time. */
#define VIF_TX_BUDGET 256
/* Answers go out every this many packets of a turn, so that the frontend
 * refills its ring while we go on (a whole turn's answers at its end left
 * the guest idle for the turn); the NIC's doorbell every twice as many: it
 * sends a batch faster than we fill one, and every doorbell woke it (5 of
 * 6 alternating 64-byte runs were faster, by up to a third). */
#define VIF_TX_FLUSH_EVERY 64
#define GNTCACHE_PAGES     1024 /* persistent mappings per queue: both buffer pools and then some */
#define DEVMAP_REFS        16384 /* grant refs we map for the device (a guest's table size) */
#define DEVMAP_MAX         512   /* device mappings per vif: its TX buffers */
/* Made in one TX pass of a vif taking traffic over from its guest's VF:
 * each is two calls to the NIC (0.4-0.9 ms under load); the packets whose
 * pages are not mapped yet are copied meanwhile (tx_copy_cold), for at most
 * TAKE_OVER_NS. */
#define DEVMAP_NEW_PER_PASS 4
#define TAKE_OVER_NS        (1000 * 1000000ull)
#define TX_HEADERS_MAX      256 /* what a packet read in place must have in its first slot */
#define TX_INFLIGHT         256 /* zero-copy packets the device may hold */
/* Connects a second one vif may cause (a burst of VIF_CONNECT_BURST): each
 * takes a pool with NIC admin commands and maps the rings, on the one
 * thread every vif shares, and the close after it unmaps them.  Timed at
 * load 8-13, a connect and its close cost netdd 15-25 ms, the ring unmap
 * 9 ms of it (docs/networking.md; the hypervisor then proved an unmap by
 * stopping netdd and reading its /proc, a lock query now).  A vif closed for misbehaving connects
 * again after VIF_MISBEHAVED_HOLD_MS at the earliest: a frontend that breaks the protocol on each
 * connect (a flapping one whose ring holds stale requests) otherwise got a connect and a close
 * every 0.6 s. */
#define VIF_CONNECT_RATE       4
#define VIF_CONNECT_BURST      4
#define VIF_MISBEHAVED_HOLD_MS 2000

/* Control ring requests answered per event or poll (Linux answers all),
 * and a second (a burst of VIF_CTRL_BURST): a frontend configures its
 * hashing with a handful; one feeding requests naming bad grants made
 * netdd try a mapping for each, as fast as it could. */
#define VIF_CTRL_BUDGET 16
/* Broadcast and multicast frames a vif may send a second (a burst of
 * VIF_MCAST_BURST): each is a copy into every other guest on the NIC (or
 * the software switch), so one guest flooding them cost the others 4-16%
 * of their frames.  ARP, neighbour discovery and mDNS need a few.  Past
 * the budget the vif's TX waits, with the group frame at its head, until
 * VIF_MCAST_BATCH have come back: a wake-up of netdd per frame let
 * through was the larger part of what a storm still cost it. */
#define VIF_MCAST_RATE  1000
#define VIF_MCAST_BURST 256
#define VIF_MCAST_BATCH 16
#define VIF_CTRL_RATE   256
#define VIF_CTRL_BURST  64

/* The ctrl ring's hash settings, whole (netback_ctrl_hash points into the core). */
struct vif_hash_settings {
    uint32_t types;
    uint8_t key[TOEPLITZ_MAX_KEY];
    uint32_t size;
    uint32_t mapping[NETBACK_CTRL_MAX_MAPPING];
};

/* A guest page mapped for the device (persistent, like gntcache's). */
struct devmap_entry {
    void *host;
    uint64_t iova;
};

/* A guest's TCP GSO packet whose MSS the host's device does not cut
 * (env.tx_min_mss), copied whole and sent a segment at a time: each
 * segment takes a frame of the guest's TX budget, so that a guest sending
 * 64 KiB at MSS 48 (1366 segments) spends its own turns, not the others'. */
struct vif_tso {
    uint8_t *frame; /* [XEN_NETIF_MAX_TX_SIZE], kept from the first such packet to disconnect */
    size_t len;     /* 0: no packet being cut */
    unsigned next, count;
    uint16_t mss;
    uint8_t hdr_len;
    bool dropped; /* the host refused a segment */
};

/* One netif queue: its rings, ports and netback core. */
struct vif_queue {
    struct vif_back *v;
    unsigned idx;
    void *rings;             /* TX, RX shared rings mapped side by side */
    grant_ref_t ring_ref[2]; /* theirs (never a data buffer) */
    evtchn_port_t evtchn;    /* the TX ring's port (the only one unless split) */
    evtchn_port_t evtchn_rx; /* the RX ring's port with split event channels, else 0 */
    bool tx_more;            /* the TX budget ran out: vif_back_poll() goes on */
    bool tx_blocked;         /* tx_pkt waits for a host buffer or credit (vif_back_poll()) */
    bool tx_mcast_held;      /* tx_pkt waited for the multicast budget (counted) */
    bool tx_paid;            /* tx_pkt's rate credit is taken */
    bool rx_paid;            /* the frame the guest had no buffer for paid its RX credit */
    struct netback_packet tx_pkt;
    struct vif_tso tso; /* tx_pkt being cut in software */
    struct netback_queue *q;
    uint64_t tx_taken;  /* packets taken off the TX ring, ever */
    RING_IDX rx_posted; /* the RX request producer at the last event */
    RING_IDX tx_peeked; /* where the last look ahead stopped (prefetch) */
    RING_IDX rx_peeked;
};

struct vif_back {
    struct vif_back_env env;
    char dir[160];            /* our backend directory */
    char frontend[160];       /* the frontend's directory */
    char frontend_state[168]; /* its state key: what we watch */
    uint32_t fe_domid;
    unsigned devid;
    uint8_t mac[6];
    uint16_t vlan;            /* 802.1Q id the vif's frames carry outside; 0: untagged */
    struct sv_vlan_set trunk; /* VLANs it carries tagged ("trunk"); none: an access port */
    void *port;               /* the host's (pool) */
    bool attached;
    bool attaching;     /* the host sets its device up: vif_back_attached() */
    bool detaching;     /* the host's device stops: vif_back_detached() */
    bool close_pending; /* Closed once detached */
    bool free_pending;  /* freed once detached */
    bool connected;
    bool closing;        /* the frontend misbehaved: vif_back_reap() tears it down */
    bool failed;         /* xenstore refused what serving it needs: Closed, never served */
    bool publish_warned; /* a vif_back_publish() failure was logged */
    struct ratelimit connects;
    struct ratelimit mcast;             /* its broadcasts and multicasts */
    struct ratelimit_credit tx_credit;  /* what it sends ("rate"), all queues together */
    struct ratelimit_credit rx_credit;  /* what it receives ("rx-rate"), the same */
    bool rx_held;                       /* a frame waits for RX credit: rx_ready when it comes */
    struct ipfilter ipf;                /* its addresses ("ip"): what it may send from */
    uint64_t ip_filtered;               /* frames dropped for another source address */
    uint64_t mcast_held;                /* broadcasts and multicasts that waited for the budget */
    uint64_t mcast_held_shown;          /* what mcast-held says */
    uint64_t tso_packets, tso_segments; /* GSO packets cut in software, and their segments */
    uint64_t tso_shown;                 /* tso_segments as soft-tso says it */
    uint64_t ip_filtered_shown;         /* what ip-filtered says (UINT64_MAX: nothing yet) */
    unsigned max_queues;                /* what we offered */
    unsigned nqueues;                   /* what the frontend took */
    struct vif_queue queue[VIF_BACK_MAX_QUEUES];
    void *ctrl_ring; /* feature-ctrl-ring, when the frontend made one */
    grant_ref_t ctrl_ref;
    evtchn_port_t evtchn_ctrl;
    struct netback_ctrl *ctrl;
    bool ctrl_more; /* the ctrl budget ran out: vif_back_poll() goes on */
    struct ratelimit ctrl_rate;
    struct vif_hash_settings hash_pushed; /* the ctrl ring's settings last pushed */
    struct netif_features rxf;            /* what the frontend takes on RX */
    bool rx_gso;                          /* the guest takes TCPv4 GSO frames */
    struct gntcache *cache;
    struct devmap_entry *devmap; /* [DEVMAP_REFS], by grant ref */
    unsigned ndevmap;
    bool devmap_refused;             /* the hypervisor refused a device mapping: copy from now on */
    unsigned devmap_budget;          /* device mappings this TX pass may still make */
    uint64_t take_over_until;        /* ratelimit_now_ns(): the budget applies till then */
    struct netback_packet *inflight; /* [TX_INFLIGHT] zero-copy packets at the device */
    uint8_t *inflight_q;             /* [TX_INFLIGHT] 1 + its queue, 0 when free */
};

static const char *const backend_features[][2] = {
    {"feature-rx-copy", "1"},   {"feature-rx-flip", "0"},
    {"feature-sg", "1"},        {"feature-gso-tcpv4", "1"},
    {"feature-gso-tcpv6", "1"}, {"feature-ipv6-csum-offload", "1"},
    {"feature-rx-notify", "1"}, {"feature-split-event-channels", "1"},
    {"feature-ctrl-ring", "1"},
};

/* One segment of a grant copy between the frontend's ref (at off) and local. */
static xengnttab_grant_copy_segment_t copy_segment(const struct vif_back *v, grant_ref_t ref,
                                                   uint16_t off, void *local, uint16_t len,
                                                   bool to_grant)
{
    xengnttab_grant_copy_segment_t seg = {
        .len = len, .flags = to_grant ? GNTCOPY_dest_gref : GNTCOPY_source_gref};
    union xengnttab_copy_ptr *remote = to_grant ? &seg.dest : &seg.source;

    remote->foreign.ref = ref;
    remote->foreign.offset = off;
    remote->foreign.domid = (uint16_t)v->fe_domid;
    (to_grant ? &seg.source : &seg.dest)->virt = local;
    return seg;
}

/*
 * A page outside the persistent mappings (a frontend that uses more
 * buffers than the cache holds) is copied by the hypervisor instead:
 * mapping it would cost more than the copy and evict a page in use.
 */
static int grant_copy(struct vif_back *v, grant_ref_t ref, uint16_t off, void *local, uint16_t len,
                      bool to_grant)
{
    xengnttab_grant_copy_segment_t seg = copy_segment(v, ref, off, local, len, to_grant);

    if (xengnttab_grant_copy(v->env.xgt, 1, &seg) < 0)
        return -errno;
    return seg.status == GNTST_okay ? 0 : -EPERM;
}

/* A ring page named as a data buffer.  No frontend has a reason to, and
 * refusing it (the frontend is closed for it) keeps netdd and the NIC from
 * ever writing packet bytes into the page netdd parses requests from. */
static bool is_ring_ref(const struct vif_back *v, grant_ref_t ref)
{
    for (unsigned i = 0; i < v->nqueues; i++)
        if (v->queue[i].rings && (ref == v->queue[i].ring_ref[0] || ref == v->queue[i].ring_ref[1]))
            return true;
    return v->ctrl_ring && ref == v->ctrl_ref;
}

/* The device mapping of ref, if there is one. */
static struct devmap_entry *devmapped(const struct vif_back *v, grant_ref_t ref)
{
    return v->devmap && ref < DEVMAP_REFS && v->devmap[ref].host ? &v->devmap[ref] : NULL;
}

/* Reads of a page the device maps go through that mapping, so that no
 * page is mapped twice (the cache's mapping could not be unmapped). */
static int vif_copy_from(struct vif_back *v, grant_ref_t ref, uint16_t off, void *dst, uint16_t len)
{
    const struct devmap_entry *e = devmapped(v, ref);

    if (is_ring_ref(v, ref))
        return -EPERM;
    if (e) {
        memcpy(dst, (const char *)e->host + off, len);
        return 0;
    }
    if (gntcache_would_evict(v->cache, v->fe_domid, ref))
        return grant_copy(v, ref, off, dst, len, false);
    return gntcache_copy_from(v->cache, v->fe_domid, ref, off, dst, len);
}

static int copy_from(void *ctx, grant_ref_t ref, uint16_t off, void *dst, uint16_t len)
{
    return vif_copy_from(((struct vif_queue *)ctx)->v, ref, off, dst, len);
}

/* RX into a page the device maps (read-only: a TX buffer posted for RX
 * too) is copied by the hypervisor, not mapped a second time. */
static int copy_to(void *ctx, grant_ref_t ref, uint16_t off, const void *src, uint16_t len)
{
    struct vif_back *v = ((struct vif_queue *)ctx)->v;

    if (is_ring_ref(v, ref))
        return -EPERM;
    if (devmapped(v, ref) || gntcache_would_evict(v->cache, v->fe_domid, ref))
        return grant_copy(v, ref, off, (void *)src, len, true);
    return gntcache_copy_to(v->cache, v->fe_domid, ref, off, src, len);
}

static void notify(void *ctx, enum netback_event ev)
{
    struct vif_queue *q = ctx;

    xenevtchn_notify(q->v->env.xce,
                     ev == NETBACK_EVENT_RX && q->evtchn_rx ? q->evtchn_rx : q->evtchn);
}

static void misbehaved(struct vif_back *v, const char *reason)
{
    log_warnx("vif %u.%u: frontend misbehaved (%s): closing it", v->fe_domid, v->devid, reason);
}

static void on_disconnect(void *ctx, const char *reason)
{
    misbehaved(((struct vif_queue *)ctx)->v, reason);
}

static void misbehaved_ctx(void *ctx, const char *reason)
{
    misbehaved(ctx, reason);
}

static const struct netback_ops netback_ops = {.copy_from_grant = copy_from,
                                               .copy_to_grant = copy_to,
                                               .notify = notify,
                                               .disconnect = on_disconnect};

static int ctrl_copy_from(void *ctx, grant_ref_t ref, uint16_t off, void *dst, uint16_t len)
{
    return vif_copy_from(ctx, ref, off, dst, len);
}

static void ctrl_notify(void *ctx)
{
    struct vif_back *v = ctx;

    xenevtchn_notify(v->env.xce, v->evtchn_ctrl);
}

static const struct netback_ctrl_ops ctrl_ops = {
    .copy_from_grant = ctrl_copy_from, .notify = ctrl_notify, .disconnect = misbehaved_ctx};

/* What a connect reads of the frontend's directory besides each queue's
 * rings and ports: all in one wait for xenstored (xenbus_read_many()), as
 * netdd's one thread serves every other vif meanwhile. */
enum fe_key {
    FE_QUEUES,
    FE_RX_COPY,
    FE_SG,
    FE_GSO_TCPV4,
    FE_GSO_TCPV6,
    FE_NO_CSUM,
    FE_IPV6_CSUM,
    FE_CTRL_REF,
    FE_CTRL_PORT,
    FE_KEYS
};
static const char *const fe_keys[FE_KEYS] = {[FE_QUEUES] = "multi-queue-num-queues",
                                             [FE_RX_COPY] = "request-rx-copy",
                                             [FE_SG] = "feature-sg",
                                             [FE_GSO_TCPV4] = "feature-gso-tcpv4",
                                             [FE_GSO_TCPV6] = "feature-gso-tcpv6",
                                             [FE_NO_CSUM] = "feature-no-csum-offload",
                                             [FE_IPV6_CSUM] = "feature-ipv6-csum-offload",
                                             [FE_CTRL_REF] = "ctrl-ring-ref",
                                             [FE_CTRL_PORT] = "event-channel-ctrl"};

/* The keys of dir named by names, read with one wait for xenstored. */
static int read_keys(struct vif_back *v, const char *dir, const char *const *names, unsigned n,
                     char **values)
{
    struct xenbus_key keys[FE_KEYS];

    for (unsigned i = 0; i < n; i++)
        keys[i] = (struct xenbus_key){dir, names[i]};
    return xenbus_read_many(v->env.xs, XBT_NULL, keys, n, values);
}

static void free_keys(char **values, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        free(values[i]);
}

static bool flag(const char *value)
{
    return value && !strcmp(value, "1");
}

static bool scan_uint(const char *value, unsigned *out)
{
    return value && sscanf(value, "%u", out) == 1;
}

/* The device mapping of ref (made on first use, kept), or NULL: copy instead. */
static struct devmap_entry *devmap_get(struct vif_back *v, grant_ref_t ref)
{
    struct devmap_entry *e;
    uint32_t domid = v->fe_domid;

    if (!v->devmap || ref >= DEVMAP_REFS || is_ring_ref(v, ref))
        return NULL;
    e = &v->devmap[ref];
    if (e->host || v->ndevmap == DEVMAP_MAX || v->devmap_refused)
        return e->host ? e : NULL;
    /* One mapping a page: the device's serves netdd's reads from now on. */
    gntcache_forget(v->cache, domid, ref);
    /* Read-only for the device too: it only ever reads a TX buffer. */
    e->host = xengnttab_map_grant_refs_device(v->env.xgt, 1, &domid, &ref, PROT_READ, &e->iova);
    if (!e->host) {
        /* The function's device mappings are shared by every vif: once
         * they are used up, this vif copies rather than asking per packet. */
        v->devmap_refused = true;
        return NULL;
    }
    v->ndevmap++;
    return e;
}

/*
 * Mapping ahead.  A page the cache or the device has not mapped yet used to
 * be mapped when a request first named it, one hypercall each: a round trip
 * through the hypervisor (and for the device, on through the NIC model) on
 * the loop that serves every vif.  A frontend's first few seconds name a
 * fresh page in nearly every request (netfront's ~256 RX and ~256 TX
 * buffers a queue), so 8 guests starting TCP at once held that loop for
 * seconds, one map at a time, and got 3-13 Mbit/s a pair until their pages
 * were all mapped (a warmed-up run of the same pairs: 580-830 each).  The
 * pages of what the frontend just queued are mapped in one batch instead.
 */
#define VIF_PREFETCH_MAX GNTCACHE_PREFETCH_MAX

/* Whether tx_drain() will ask the device to map pkt_len's packet's pages. */
static bool tx_wants_devmap(const struct vif_back *v, uint32_t pkt_len)
{
    return v->devmap && !v->devmap_refused && pkt_len > v->env.tx_copybreak;
}

/* Device mappings for refs[n] (not mapped anywhere yet, within the vif's
 * share), in one hypercall. */
static void devmap_prefetch(struct vif_back *v, const grant_ref_t *refs, unsigned n)
{
    void *pages[VIF_PREFETCH_MAX];
    uint64_t iova[VIF_PREFETCH_MAX];

    if (!n)
        return;
    xengnttab_map_grant_refs_each(v->env.xgt, n, v->fe_domid, refs, PROT_READ, pages, iova);
    for (unsigned i = 0; i < n; i++)
        if (pages[i]) {
            v->devmap[refs[i]] = (struct devmap_entry){pages[i], iova[i]};
            v->ndevmap++;
        }
}

/* Whether ref may be mapped ahead: a data page, mapped neither by the
 * device nor by the cache (devmap_get() unmaps the cache's first), and not
 * among the n already picked. */
static bool prefetchable(const struct vif_back *v, grant_ref_t ref, const grant_ref_t *picked,
                         unsigned n)
{
    if (is_ring_ref(v, ref) || devmapped(v, ref) || gntcache_has(v->cache, v->fe_domid, ref))
        return false;
    for (unsigned i = 0; i < n; i++)
        if (picked[i] == ref)
            return false;
    return true;
}

/* The TX packets queued since the last look: their pages for the device
 * where tx_drain() will read them in place, else for the cache. */
static void tx_prefetch(struct vif_queue *q)
{
    struct vif_back *v = q->v;
    struct netback_peek peek[VIF_PREFETCH_MAX];
    grant_ref_t dev[VIF_PREFETCH_MAX], host[VIF_PREFETCH_MAX];
    unsigned n = netback_tx_peek(q->q, &q->tx_peeked, peek, VIF_PREFETCH_MAX), nd = 0, nh = 0;

    for (unsigned i = 0; i < n; i++)
        if (tx_wants_devmap(v, peek[i].pkt_len) && peek[i].gref < DEVMAP_REFS &&
            v->ndevmap + nd < DEVMAP_MAX && nd < v->devmap_budget &&
            prefetchable(v, peek[i].gref, dev, nd))
            dev[nd++] = peek[i].gref;
    devmap_prefetch(v, dev, nd);
    v->devmap_budget -= nd;
    /* Then the cache's: the others (a page the device maps now is read
     * through the device's mapping). */
    for (unsigned i = 0; i < n; i++)
        if (!tx_wants_devmap(v, peek[i].pkt_len) && prefetchable(v, peek[i].gref, host, nh))
            host[nh++] = peek[i].gref;
    gntcache_prefetch(v->cache, v->fe_domid, host, nh, false);
}

/* The RX buffers posted since the last look, writable for the cache (a
 * page the device maps is grant-copied into: copy_to()); before a frame
 * goes into them. */
static void rx_prefetch(struct vif_queue *q)
{
    struct vif_back *v = q->v;
    grant_ref_t refs[VIF_PREFETCH_MAX];
    unsigned n = netback_rx_peek(q->q, &q->rx_peeked, refs, VIF_PREFETCH_MAX), k = 0;

    for (unsigned i = 0; i < n; i++)
        if (prefetchable(v, refs[i], refs, k))
            refs[k++] = refs[i];
    gntcache_prefetch(v->cache, v->fe_domid, refs, k, true);
}

/* In one batch; what the hypervisor does not believe yet is retried
 * (vif_disconnect, and the host's xengnttab_unmap_retry()). */
static void devmap_clear(struct vif_back *v)
{
    void **pages = v->ndevmap ? malloc(v->ndevmap * sizeof(*pages)) : NULL;
    unsigned n = 0;

    for (unsigned r = 0; pages && r < DEVMAP_REFS && n < v->ndevmap; r++)
        if (v->devmap[r].host)
            pages[n++] = v->devmap[r].host;
    if (n)
        xengnttab_unmap_pages(v->env.xgt, pages, n);
    else if (v->ndevmap) /* no memory for the batch: one by one */
        for (unsigned r = 0; r < DEVMAP_REFS; r++)
            if (v->devmap[r].host)
                xengnttab_unmap(v->env.xgt, v->devmap[r].host, 1);
    free(pages);
    free(v->devmap);
    free(v->inflight);
    free(v->inflight_q);
    v->devmap = NULL;
    v->inflight = NULL;
    v->inflight_q = NULL;
    v->ndevmap = 0;
    v->devmap_refused = false;
}

static void unbind(struct vif_back *v, evtchn_port_t *port)
{
    if (*port)
        xenevtchn_unbind(v->env.xce, *port);
    *port = 0;
}

static void queue_disconnect(struct vif_queue *q)
{
    if (q->q)
        netback_queue_free(q->q);
    q->q = NULL;
    q->tx_more = false;
    q->tx_blocked = q->tx_paid = q->tx_mcast_held = false;
    free(q->tso.frame);
    q->tso = (struct vif_tso){0};
    unbind(q->v, &q->evtchn);
    unbind(q->v, &q->evtchn_rx);
    if (q->rings)
        xengnttab_unmap(q->v->env.xgt, q->rings, 2);
    q->rings = NULL;
}

/* An unmap refused before (a frame we mapped twice, which we avoid) is
 * believed now that every mapping of the vif is gone.  The count is the
 * handle's, every vif's. */
static void unmap_retry(struct vif_back *v)
{
    int pinned = xengnttab_unmap_retry(v->env.xgt);

    if (pinned > 0)
        log_warnx("vif %u.%u closed: %d grant mappings still pinned (retried every second)",
                  v->fe_domid, v->devid, pinned);
}

static void vif_disconnect(struct vif_back *v)
{
    /* Detaching stops the device's queues first: it reads no grant after.
     * A host whose device stops later (queued NIC commands) says when, and
     * the grants it may read stay mapped until then (vif_back_detached). */
    if ((v->attached || v->attaching) && v->env.ops->detach(v->env.host, v) == -EINPROGRESS)
        v->detaching = true;
    v->attached = v->attaching = false;
    v->connected = false;
    v->closing = false;
    if (!v->detaching)
        devmap_clear(v);
    for (unsigned i = 0; i < VIF_BACK_MAX_QUEUES; i++)
        queue_disconnect(&v->queue[i]);
    v->nqueues = 0;
    netback_ctrl_free(v->ctrl);
    v->ctrl = NULL;
    v->ctrl_more = false;
    memset(&v->hash_pushed, 0, sizeof(v->hash_pushed));
    unbind(v, &v->evtchn_ctrl);
    if (v->ctrl_ring)
        xengnttab_unmap(v->env.xgt, v->ctrl_ring, 1);
    v->ctrl_ring = NULL;
    if (v->cache)
        gntcache_free(v->cache);
    v->cache = NULL;
    if (!v->detaching)
        unmap_retry(v);
}

/* Disconnects and goes Closed: at once, or once the host's device has
 * stopped (the frontend may end its grants when it sees Closed). */
static void vif_close(struct vif_back *v)
{
    vif_disconnect(v);
    if (v->detaching)
        v->close_pending = true;
    else
        xenbus_switch_state(v->env.xs, v->dir, XenbusStateClosed);
}

void vif_back_detached(struct vif_back *v)
{
    if (!v->detaching)
        return;
    v->detaching = false;
    devmap_clear(v);
    unmap_retry(v);
    if (v->free_pending) {
        free(v);
        return;
    }
    if (v->close_pending)
        xenbus_switch_state(v->env.xs, v->dir, XenbusStateClosed);
    v->close_pending = false;
}

static int bind_port(struct vif_back *v, unsigned remote, evtchn_port_t *port)
{
    int p = xenevtchn_bind_interdomain(v->env.xce, v->fe_domid, remote);

    if (p < 0)
        return -errno;
    *port = (evtchn_port_t)p;
    return 0;
}

/* One queue's rings and ports from dir: the frontend's directory for a
 * single queue, its queue-N subdirectory with several (netif.h). */
static int queue_connect(struct vif_queue *q, const char *dir)
{
    static const char *const names[] = {"event-channel-tx", "event-channel-rx", "tx-ring-ref",
                                        "rx-ring-ref", "event-channel"};
    struct vif_back *v = q->v;
    uint32_t refs[2], domids[2] = {v->fe_domid, v->fe_domid};
    unsigned evtchn, evtchn_rx = 0;
    char *val[5];
    bool split, ok;
    int err = read_keys(v, dir, names, 5, val);

    if (err)
        return err;
    /* feature-split-event-channels: one port per ring if the frontend wants it. */
    split = scan_uint(val[0], &evtchn) && scan_uint(val[1], &evtchn_rx);
    ok = scan_uint(val[2], &refs[0]) && scan_uint(val[3], &refs[1]) &&
         (split || scan_uint(val[4], &evtchn));
    free_keys(val, 5);
    if (!ok) {
        log_warnx("vif %u.%u: frontend gave no rings or event channel in %s", v->fe_domid, v->devid,
                  dir);
        return -EINVAL;
    }
    q->rings = xengnttab_map_grant_refs(v->env.xgt, 2, domids, refs, PROT_READ | PROT_WRITE);
    if (!q->rings)
        return -errno;
    q->ring_ref[0] = refs[0];
    q->ring_ref[1] = refs[1];
    err = bind_port(v, evtchn, &q->evtchn);
    if (!err && split)
        err = bind_port(v, evtchn_rx, &q->evtchn_rx);
    if (err)
        return err;
    q->q =
        netback_queue_new(q->rings, (netif_rx_sring_t *)((char *)q->rings + 4096), &netback_ops, q);
    if (!q->q)
        return -ENOMEM;
    netback_set_rx_features(q->q, &v->rxf, false);
    return 0;
}

/* feature-ctrl-ring: optional; a frontend that names a ring must give a
 * good one. */
static int ctrl_connect(struct vif_back *v, char **fe)
{
    uint32_t ref, domid = v->fe_domid;
    unsigned port;
    int err;

    if (!scan_uint(fe[FE_CTRL_REF], &ref))
        return 0;
    if (!scan_uint(fe[FE_CTRL_PORT], &port))
        return -EINVAL;
    v->ctrl_ring = xengnttab_map_grant_refs(v->env.xgt, 1, &domid, &ref, PROT_READ | PROT_WRITE);
    if (!v->ctrl_ring)
        return -errno;
    v->ctrl_ref = ref;
    err = bind_port(v, port, &v->evtchn_ctrl);
    if (err)
        return err;
    v->ctrl = netback_ctrl_new(v->ctrl_ring, v->nqueues, &ctrl_ops, v);
    return v->ctrl ? 0 : -errno;
}

/* Tells the host how to spread received frames: the frontend's ctrl ring
 * settings when it turned hashing on, else every type under the default
 * key over all queues, and no hashing at all for a single queue (a
 * Toeplitz hash per frame was 14% of the NIC model's time at 64 bytes).
 * A frontend with hashing on gets hash extras. */
static void push_hash(struct vif_back *v)
{
    uint32_t identity[VIF_BACK_MAX_QUEUES];
    struct netback_ctrl_hash cfg = {.types = 0};
    struct vif_back_hash h;

    if (v->ctrl)
        netback_ctrl_hash(v->ctrl, &cfg);
    for (unsigned i = 0; i < v->nqueues; i++) {
        identity[i] = i;
        netback_set_rx_features(v->queue[i].q, &v->rxf, cfg.types != 0);
    }
    if (cfg.types)
        h = (struct vif_back_hash){cfg.types, cfg.key, cfg.mapping, cfg.mapping_size};
    else if (v->nqueues == 1)
        h = (struct vif_back_hash){0, toeplitz_default_key, identity, 0};
    else
        h = (struct vif_back_hash){
            XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP |
                XEN_NETIF_CTRL_HASH_TYPE_IPV6 | XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP,
            toeplitz_default_key, identity, 0};
    if (!h.size) {
        h.mapping = identity;
        h.size = v->nqueues;
    }
    if (v->env.ops->set_hash)
        v->env.ops->set_hash(v->env.host, v, &h);
}

static void read_rx_features(struct vif_back *v, char **fe)
{
    v->rxf = (struct netif_features){.sg = flag(fe[FE_SG]),
                                     .gso_tcpv4 = flag(fe[FE_GSO_TCPV4]),
                                     .gso_tcpv6 = flag(fe[FE_GSO_TCPV6]),
                                     .csum_ipv4 = !flag(fe[FE_NO_CSUM]),
                                     .csum_ipv6 = flag(fe[FE_IPV6_CSUM])};
    v->rx_gso = v->rxf.sg && v->rxf.gso_tcpv4 && v->rxf.csum_ipv4;
}

/* multi-queue-num-queues: absent means one queue with flat keys; more than
 * we offered is refused (Linux netback does the same). */
static int read_num_queues(struct vif_back *v, char **fe)
{
    unsigned n = 1;

    if (scan_uint(fe[FE_QUEUES], &n) && (n == 0 || n > v->max_queues)) {
        log_warnx("vif %u.%u: frontend asks for %u queues, we offered %u", v->fe_domid, v->devid, n,
                  v->max_queues);
        return -EINVAL;
    }
    v->nqueues = n;
    return 0;
}

static int alloc_zero_copy(struct vif_back *v)
{
    if (!v->env.ops->transmit_segs)
        return 0;
    v->devmap = calloc(DEVMAP_REFS, sizeof(*v->devmap));
    v->inflight = calloc(TX_INFLIGHT, sizeof(*v->inflight));
    v->inflight_q = calloc(TX_INFLIGHT, sizeof(*v->inflight_q));
    return v->devmap && v->inflight && v->inflight_q ? 0 : -ENOMEM;
}

/* The host's port is ready: serve the rings, Connected. */
static int vif_up(struct vif_back *v)
{
    int err;

    v->connected = true;
    push_hash(v);
    err = xenbus_switch_state(v->env.xs, v->dir, XenbusStateConnected);
    if (err)
        return err;
    log_info("vif %u.%u: connected, %u queue%s%s", v->fe_domid, v->devid, v->nqueues,
             v->nqueues > 1 ? "s" : "", v->ctrl ? ", ctrl ring" : "");
    /* Requests queued before we bound the ports rang no bell: look now. */
    for (unsigned i = 0; i < v->nqueues && v->connected; i++) {
        vif_back_event(v, v->queue[i].evtchn);
        vif_back_event(v, v->queue[i].evtchn_rx);
    }
    if (v->connected)
        vif_back_event(v, v->evtchn_ctrl);
    return 0;
}

static void connect_failed(struct vif_back *v, int err)
{
    log_warnx("vif %u.%u: cannot connect: %s", v->fe_domid, v->devid, strerror(-err));
    vif_close(v);
}

void vif_back_attached(struct vif_back *v, int err)
{
    if (!v->attaching)
        return; /* disconnected meanwhile */
    v->attaching = false;
    v->attached = true;
    if (!err)
        err = vif_up(v);
    if (err)
        connect_failed(v, err);
}

/* The frontend published its rings and ports: map, bind, attach (at once,
 * or vif_back_attached() later), Connected. */
static int vif_connect(struct vif_back *v)
{
    char *fe[FE_KEYS];
    int err = read_keys(v, v->frontend, fe_keys, FE_KEYS, fe);

    if (err)
        return err;
    err = read_num_queues(v, fe);
    if (err)
        goto out;
    if (!flag(fe[FE_RX_COPY])) {
        log_warnx("vif %u.%u: frontend without request-rx-copy", v->fe_domid, v->devid);
        err = -EOPNOTSUPP;
        goto out;
    }
    read_rx_features(v, fe);
    v->cache = gntcache_new_xengnttab(v->env.xgt, v->env.cache_pages ? v->env.cache_pages
                                                                     : GNTCACHE_PAGES * v->nqueues);
    err = v->cache ? alloc_zero_copy(v) : -ENOMEM;
    for (unsigned i = 0; !err && i < v->nqueues; i++) {
        char dir[200];

        snprintf(dir, sizeof(dir), "%s/queue-%u", v->frontend, i);
        err = queue_connect(&v->queue[i], v->nqueues == 1 ? v->frontend : dir);
    }
    if (!err)
        err = ctrl_connect(v, fe);
    if (err)
        goto out;
    err = v->env.ops->attach(v->env.host, v, v->mac, v->nqueues);
    if (err == -EINPROGRESS) {
        v->attaching = true;
        err = 0;
        goto out;
    }
    if (err < 0) {
        err = -ENOSPC;
        goto out;
    }
    v->attached = true;
    err = vif_up(v);
out:
    free_keys(fe, FE_KEYS);
    return err;
}

/* The frontend's state, ours and "online" (absent or unparsable: on),
 * with one wait for xenstored instead of three: a flapping frontend draws
 * up to 15 looks a second (netdd's watch rate), each blocking the thread
 * every vif shares. */
static void read_states(struct vif_back *v, XenbusState *fe, XenbusState *be, bool *on)
{
    const struct xenbus_key keys[] = {
        {v->frontend, "state"}, {v->dir, "state"}, {v->dir, SV_XS_ONLINE}};
    char *val[3];
    unsigned online = 1;

    xenbus_read_many(v->env.xs, XBT_NULL, keys, 3, val);
    *fe = xenbus_parse_state(val[0]);
    *be = xenbus_parse_state(val[1]);
    *on = !val[2] || sscanf(val[2], "%u", &online) != 1 || online;
    free_keys(val, 3);
}

uint64_t vif_back_watch(struct vif_back *v, const char *path)
{
    XenbusState fe, be;
    uint64_t wait;
    bool on;

    if (strncmp(path, v->frontend, strlen(v->frontend)) && strncmp(path, v->dir, strlen(v->dir)))
        return 0;
    if (v->detaching || v->failed)
        return 0; /* looked at again once Closed (our state's watch) */
    read_states(v, &fe, &be, &on);
    /* A frontend starting over finds us waiting again (Linux: prepare for reconnect). */
    if (on && fe == XenbusStateInitialising && be == XenbusStateClosed) {
        xenbus_switch_state(v->env.xs, v->dir, XenbusStateInitWait);
        return 0;
    }
    if (!on || be == XenbusStateClosing || fe == XenbusStateClosing || fe == XenbusStateClosed ||
        fe == XenbusStateUnknown) {
        if (be == XenbusStateConnected || be == XenbusStateClosing || v->connected ||
            v->attaching) {
            vif_close(v);
            log_info("vif %u.%u: closed", v->fe_domid, v->devid);
        }
        return 0;
    }
    if ((fe == XenbusStateInitialised || fe == XenbusStateConnected) && !v->connected &&
        !v->attaching && be == XenbusStateInitWait) {
        int err;

        /* A connect is a pool, NIC admin commands and mappings: a frontend
         * flapping its state gets VIF_CONNECT_RATE of them a second. */
        wait = ratelimit_take(&v->connects, ratelimit_now_ns());
        if (wait)
            return wait;
        err = vif_connect(v);
        if (err)
            connect_failed(v, err);
    }
    return 0;
}

/* A frontend that broke the protocol: the vif serves nothing more from now
 * on, and is torn down by vif_back_reap() from the host's loop, never here:
 * a drain of one of its queues, or a delivery to it from inside another
 * vif's drain, may be on the stack, and would go on in freed memory. */
static void close_misbehaving(struct vif_back *v)
{
    if (v->closing)
        return;
    v->connected = false;
    v->closing = true;
    v->env.ops->poll_later(v->env.host, v, 0);
}

void vif_back_reap(struct vif_back *v)
{
    uint64_t hold = (uint64_t)VIF_MISBEHAVED_HOLD_MS * VIF_CONNECT_RATE / 1000;

    if (!v->closing)
        return;
    vif_close(v);
    /* The burst, and the hold's worth of connects beyond it. */
    ratelimit_take_n(&v->connects, ratelimit_now_ns(), (uint32_t)(VIF_CONNECT_BURST + hold));
}

/* The device reads a packet's headers from its first slot alone (the
 * offload command is made from them) and takes no empty descriptor. */
static bool tx_in_place_ok(const struct netback_packet *pkt)
{
    if (pkt->seg[0].len < (pkt->len < TX_HEADERS_MAX ? pkt->len : TX_HEADERS_MAX))
        return false;
    for (unsigned i = 0; i < pkt->nr_segs; i++)
        if (!pkt->seg[i].len)
            return false;
    return true;
}

/* A group frame found the budget empty, its next token wait ns away: how
 * long until the budget has VIF_MCAST_BATCH for it. */
static uint64_t mcast_batch_wait(uint64_t wait)
{
    return wait + (VIF_MCAST_BATCH - 1) * (1000000000ull / VIF_MCAST_RATE);
}

/* 0 when the vif may send frame now (unicast always, broadcasts and
 * multicasts within its budget, which this takes), else how long until
 * the budget has VIF_MCAST_BATCH for it. */
static uint64_t mcast_wait(struct vif_back *v, const uint8_t *frame, size_t len)
{
    uint64_t wait;

    if (!len || !(frame[0] & 1) || !(wait = ratelimit_take(&v->mcast, ratelimit_now_ns())))
        return 0;
    return mcast_batch_wait(wait);
}

/*
 * Whether pkt is a broadcast or multicast past the vif's budget, told
 * before anything of it is copied, mapped or filtered: a guest queueing
 * them as fast as netdd takes them (0.2-0.4 million a second) had each one
 * given a host buffer and copied out of its grant, then dropped.  How
 * long it is to wait, or 0.  The destination's first byte is read through
 * a mapping netdd already holds of the first slot's page (the cache's,
 * which tx_prefetch() filled, or the device's); where there is none, or
 * while the budget lasts, the frame takes the usual path and
 * mcast_wait() judges netdd's copy (which maps the page for the next
 * look).  A guest that changes the byte after this look only makes its
 * own frame wait, or pays the later check.
 */
static uint64_t mcast_over_budget(struct vif_back *v, const struct netback_packet *pkt,
                                  uint64_t now)
{
    const struct netback_seg *s = &pkt->seg[0];
    uint8_t dst0;

    if (ratelimit_available(&v->mcast, now) || !s->len)
        return 0;
    if (!devmapped(v, s->gref) && !gntcache_has(v->cache, v->fe_domid, s->gref))
        return 0;
    if (vif_copy_from(v, s->gref, s->offset, &dst0, 1) < 0 || !(dst0 & 1))
        return 0;
    return mcast_batch_wait(ratelimit_take(&v->mcast, now));
}

/* tx_pkt waits, nothing of it answered, until the host polls again after
 * wait ns (its rate's next window, its multicast budget): the guest's ring
 * fills behind it and the guest stops, as Xen's netback leaves requests
 * on the ring while a vif is out of credit; the excess costs netdd
 * nothing. */
static void tx_hold(struct vif_queue *q, uint64_t wait)
{
    q->tx_blocked = true;
    q->v->env.ops->poll_later(q->v->env.host, q->v, wait);
}

/* The same for a group frame past the budget, counted once in mcast-held. */
static void tx_hold_mcast(struct vif_queue *q, uint64_t wait)
{
    if (!q->tx_mcast_held)
        q->v->mcast_held++;
    q->tx_mcast_held = true;
    tx_hold(q, wait);
}

/*
 * A packet's first TX_HEADERS_MAX bytes (every header the filter, the
 * multicast budget and the NIC read) are copied once out of the guest's
 * page into a host buffer and judged there, and the device sends that copy
 * ahead of the payload it reads in place, so the guest cannot change them
 * between our look and the device's read (a destination turned broadcast
 * after the check would pass the vif's multicast budget; a source turned
 * foreign, the anti-spoofing filter).  The buffer, or NULL: the copy path
 * takes the packet (and checks all of it).
 */
static void *tx_checked_head(struct vif_queue *q, const struct netback_packet *pkt,
                             const uint8_t *guest, size_t *head_len)
{
    struct vif_back *v = q->v;
    size_t len = pkt->len < TX_HEADERS_MAX ? pkt->len : TX_HEADERS_MAX, cap = len;
    uint8_t *buf = v->env.ops->tx_buffer(v->env.host, v, q->idx, &cap);

    if (!buf || cap < len)
        return NULL;
    memcpy(buf, guest, len);
    if (!ipfilter_allows_head(&v->ipf, buf, len, pkt->len))
        return NULL;
    *head_len = len;
    return buf;
}

/*
 * A packet whose pages the device does not all map yet, copied out by the
 * hypervisor in one call: not a map a page (a device mapping is two calls
 * to the NIC, 0.4-0.9 ms under load, and a vif that carried nothing for a
 * while, a failover's standby whose guest then moves a bulk stream onto
 * it, stood still for 0.1-0.5 s mapping its first packets' pages), and not
 * through the cache either (a page cached now would cost an unmap once the
 * device maps it).  Its
 * length, or -EAGAIN for the usual copy (which finds what was wrong).
 */
static int tx_copy_cold(struct vif_back *v, const struct netback_packet *pkt, uint8_t *dst,
                        size_t cap)
{
    xengnttab_grant_copy_segment_t segs[NETIF_MAX_SLOTS];
    unsigned n = 0;
    size_t off = 0;

    for (unsigned i = 0; i < pkt->nr_segs; off += pkt->seg[i++].len) {
        const struct netback_seg *s = &pkt->seg[i];
        const struct devmap_entry *e = devmapped(v, s->gref);

        if (off + s->len > cap || is_ring_ref(v, s->gref))
            return -EAGAIN;
        if (e) {
            memcpy(dst + off, (const char *)e->host + s->offset, s->len);
        } else if (s->len) {
            segs[n++] = copy_segment(v, s->gref, s->offset, dst + off, s->len, false);
        }
    }
    if (off != pkt->len || (n && xengnttab_grant_copy(v->env.xgt, n, segs) < 0))
        return -EAGAIN;
    for (unsigned i = 0; i < n; i++)
        if (segs[i].status != GNTST_okay)
            return -EAGAIN;
    return (int)pkt->len;
}

/* Hands pkt to the device where it lies (device-mapped grants): no copy
 * but of its headers (tx_checked_head).  -EAGAIN: pages the device does
 * not map yet, more than this pass may map (tx_copy_cold copies it). */
static int tx_zero_copy(struct vif_queue *q, const struct netback_packet *pkt)
{
    struct vif_back *v = q->v;
    struct vif_back_seg segs[NETIF_MAX_SLOTS];
    struct devmap_entry *first = NULL;
    struct netif_offload o;
    const uint8_t *head;
    size_t head_len;
    unsigned slot, n = pkt->nr_segs;
    bool cold = false;
    int err;

    if (!tx_in_place_ok(pkt))
        return -EINVAL;
    for (slot = 0; slot < TX_INFLIGHT && v->inflight_q[slot]; slot++)
        ;
    if (slot == TX_INFLIGHT)
        return -EBUSY;
    for (unsigned i = 0; i < pkt->nr_segs; i++) {
        struct devmap_entry *e = devmapped(v, pkt->seg[i].gref);

        if (!e && v->devmap_budget) {
            v->devmap_budget--;
            e = devmap_get(v, pkt->seg[i].gref);
        }
        if (!e) {
            cold = true; /* the pages mapped meanwhile serve the next packets */
            continue;
        }
        first = i ? first : e;
        segs[i] =
            (struct vif_back_seg){.iova = e->iova + pkt->seg[i].offset, .len = pkt->seg[i].len};
    }
    if (cold)
        return v->devmap_refused ? -ENOENT : -EAGAIN;
    head = tx_checked_head(q, pkt, (const uint8_t *)first->host + pkt->seg[0].offset, &head_len);
    if (!head)
        return -EINVAL;
    /* The first slot less the headers; none left: the other slots. */
    segs[0].iova += head_len;
    segs[0].len = (uint16_t)(segs[0].len - head_len);
    if (!segs[0].len)
        memmove(segs, segs + 1, --n * sizeof(segs[0]));
    /* A broadcast or multicast takes the copy path, through the vif's budget. */
    if (head[0] & 1)
        return -EINVAL;
    netback_tx_offload(pkt, &o);
    v->inflight[slot] = *pkt;
    v->inflight_q[slot] = (uint8_t)(1 + q->idx);
    err = v->env.ops->transmit_segs(v->env.host, v, q->idx, segs, n, head, head_len, &o, slot);
    if (err)
        v->inflight_q[slot] = 0;
    return err;
}

void vif_back_tx_complete(struct vif_back *v, uint32_t tag, bool ok)
{
    struct vif_queue *q;

    if (!v->connected || !v->inflight_q || tag >= TX_INFLIGHT || !v->inflight_q[tag])
        return;
    q = &v->queue[v->inflight_q[tag] - 1];
    v->inflight_q[tag] = 0;
    netback_tx_done(q->q, &v->inflight[tag], ok ? NETIF_RSP_OKAY : NETIF_RSP_ERROR);
    netback_tx_flush(q->q);
}

/* Whether pkt (offloads o) is TCP GSO with an MSS the host's device does
 * not cut: vif_back cuts it (tx_tso_start). */
static bool tx_tso_wanted(const struct vif_back *v, const struct netif_offload *o)
{
    return o->gso_type != XEN_NETIF_GSO_TYPE_NONE && o->gso_size < v->env.tx_min_mss;
}

/* Copies pkt whole and checks it as the NIC would (our copy: the guest
 * cannot change it after): then q->tso holds it, its first segment next.
 * -ENOTCONN when the queue went; another -errno: the packet is dropped. */
static int tx_tso_start(struct vif_queue *q, const struct netback_packet *pkt,
                        const struct netif_offload *o)
{
    struct vif_back *v = q->v;
    struct vif_tso *t = &q->tso;
    struct pktparse p;
    int len, n;

    if (!t->frame && !(t->frame = malloc(XEN_NETIF_MAX_TX_SIZE)))
        return -ENOMEM;
    len = netback_tx_copy(q->q, pkt, t->frame, XEN_NETIF_MAX_TX_SIZE);
    if (len < 0)
        return len;
    if (!ipfilter_allows(&v->ipf, t->frame, (size_t)len)) {
        v->ip_filtered++;
        return -EPERM;
    }
    /* Not TCP (or to a group: every guest would take each segment), or
     * below even Linux's MSS floor: refused. */
    if ((t->frame[0] & 1) || pktparse_frame(t->frame, (size_t)len, &p) < 0 ||
        p.l4_end > UINT8_MAX ||
        (n = swoffload_tso_count(t->frame, (size_t)len, o->gso_size, (uint8_t)p.l4_end,
                                 XEN_NETIF_MAX_TX_SIZE)) < 0)
        return -EINVAL;
    *t = (struct vif_tso){.frame = t->frame,
                          .len = (size_t)len,
                          .count = (unsigned)n,
                          .mss = o->gso_size,
                          .hdr_len = (uint8_t)p.l4_end};
    v->tso_packets++;
    return 0;
}

/* Sends q->tso's next segment: 0, or -EAGAIN when the host has no buffer
 * (the segment waits for vif_back_poll()).  After the last one the guest's
 * packet is answered: dropped if any segment was. */
static int tx_tso_next(struct vif_queue *q)
{
    static const struct netif_offload seg_o = {.data_validated = true};
    struct vif_back *v = q->v;
    struct vif_tso *t = &q->tso;
    size_t cap = (size_t)t->hdr_len + t->mss;
    void *buf = v->env.ops->tx_buffer(v->env.host, v, q->idx, &cap);
    int len;

    if (!buf)
        return -EAGAIN;
    len = swoffload_tso_seg(t->frame, t->len, t->mss, t->hdr_len, t->next, buf, cap);
    if (len < 0 || v->env.ops->transmit(v->env.host, v, q->idx, buf, (size_t)len, &seg_o) < 0)
        t->dropped = true;
    v->tso_segments++;
    if (++t->next == t->count) {
        netback_tx_done(q->q, &q->tx_pkt, t->dropped ? NETIF_RSP_DROPPED : NETIF_RSP_OKAY);
        t->len = 0;
    }
    return 0;
}

/*
 * Frames from the guest on queue q: read by the device in place where it
 * can, else copied out of the guest's grants into the host's buffer.  At
 * most VIF_TX_BUDGET per call, so that a guest queueing as fast as we take
 * cannot keep us from the others: the rest waits for vif_back_poll(), after
 * the host's other events.  A frame the host has no buffer for waits (the
 * guest's ring fills and it stops: backpressure, not loss) until the host
 * calls vif_back_poll() with room.  false when the vif closed.
 */
static bool tx_drain(struct vif_queue *q)
{
    struct vif_back *v = q->v;
    struct netback_packet *pkt = &q->tx_pkt;
    unsigned budget = VIF_TX_BUDGET;
    uint64_t now, wait;
    int zc;

    q->tx_more = false;
    v->devmap_budget = ratelimit_now_ns() < v->take_over_until ? DEVMAP_NEW_PER_PASS : DEVMAP_MAX;
    tx_prefetch(q);
    while (budget && (q->tso.len || q->tx_blocked || netback_tx_next(q->q, pkt) == 1)) {
        struct netif_offload o;
        bool retry = q->tx_blocked; /* tx_pkt again: not taken now */
        int err;

        if (--budget % VIF_TX_FLUSH_EVERY == 0 && budget) {
            netback_tx_flush(q->q);
            if (budget % (2 * VIF_TX_FLUSH_EVERY) == 0)
                v->env.ops->flush(v->env.host, v, q->idx);
        }
        q->tx_blocked = false;
        if (q->tso.len) {
            if (tx_tso_next(q) < 0) {
                q->tx_blocked = true;
                budget = 1; /* not a budget stop: the host polls when it has room */
                break;
            }
            continue;
        }
        /* A held frame's retry is no work the guest gave: its events
         * meanwhile find nothing, and are unmasked late. */
        if (!retry) {
            q->tx_taken++;
            q->tx_mcast_held = false;
        }
        now = ratelimit_now_ns();
        if (!q->tx_paid && (wait = ratelimit_credit_take(&v->tx_credit, now, pkt->len))) {
            tx_hold(q, wait); /* over its rate: the next window's credit */
            budget = 1;
            break;
        }
        q->tx_paid = true; /* a held frame does not pay again */
        if ((wait = mcast_over_budget(v, pkt, now))) {
            tx_hold_mcast(q, wait);
            budget = 1;
            break;
        }
        netback_tx_offload(pkt, &o);
        if (tx_tso_wanted(v, &o)) {
            q->tx_paid = false;
            if ((err = tx_tso_start(q, pkt, &o)) == -ENOTCONN)
                break;
            if (err)
                netback_tx_done(q->q, pkt, NETIF_RSP_DROPPED);
            continue;
        }
        zc = v->devmap && pkt->len > v->env.tx_copybreak ? tx_zero_copy(q, pkt) : -EINVAL;
        if (zc == 0) {
            q->tx_paid = false;
            continue;
        }
        size_t cap = pkt->len;
        /* One copy: from the guest's grant straight into the NIC's buffer. */
        void *buf = v->env.ops->tx_buffer(v->env.host, v, q->idx, &cap);
        int len;
        int16_t status = NETIF_RSP_OKAY;

        if (!buf) {
            q->tx_blocked = true; /* paid: the retry does not pay again */
            budget = 1;           /* not a budget stop: no poll_later */
            break;
        }
        q->tx_paid = false;
        len = zc == -EAGAIN ? tx_copy_cold(v, pkt, buf, cap) : -EAGAIN;
        if (len == -EAGAIN)
            len = netback_tx_copy(q->q, pkt, buf, cap);
        if (len == -ENOTCONN)
            break;
        if (len >= 0 && !ipfilter_allows(&v->ipf, buf, (size_t)len)) {
            v->ip_filtered++; /* checked in our copy: the guest cannot change it now */
            status = NETIF_RSP_DROPPED;
        } else if (len >= 0 && (wait = mcast_wait(v, buf, (size_t)len))) {
            /* Judged in our copy; the buffer, not submitted, stays the host's. */
            q->tx_paid = true;
            tx_hold_mcast(q, wait);
            budget = 1;
            break;
        } else if (len < 0 ||
                   v->env.ops->transmit(v->env.host, v, q->idx, buf, (size_t)len, &o) < 0)
            status = NETIF_RSP_DROPPED;
        netback_tx_done(q->q, pkt, status);
    }
    if (netback_error(q->q)) {
        close_misbehaving(v);
        return false;
    }
    netback_tx_flush(q->q);
    v->env.ops->flush(v->env.host, v, q->idx);
    if (!budget) {
        q->tx_more = true;
        v->env.ops->poll_later(v->env.host, v, 0);
    }
    return true;
}

/* The frontend changed its hash settings (or asked something else). */
/* What the frontend configured over the ctrl ring, as a comparable value. */
static void hash_settings(const struct vif_back *v, struct vif_hash_settings *out)
{
    struct netback_ctrl_hash cfg;

    memset(out, 0, sizeof(*out));
    netback_ctrl_hash(v->ctrl, &cfg);
    out->types = cfg.types;
    memcpy(out->key, cfg.key, sizeof(out->key));
    out->size = cfg.mapping_size <= NETBACK_CTRL_MAX_MAPPING ? cfg.mapping_size : 0;
    if (out->size)
        memcpy(out->mapping, cfg.mapping, out->size * sizeof(out->mapping[0]));
}

/* Requests on the ctrl ring: at most VIF_CTRL_BUDGET a turn (the rest from
 * vif_back_poll(), after the others' events) and VIF_CTRL_RATE a second,
 * and the NIC's RSS is programmed only when they changed the settings (an
 * admin command per event was the NIC's for the asking).  Whether the
 * event found work within the vif's rate: a frontend past it is answered
 * no more for now, and its port, found idle, is unmasked late. */
static bool ctrl_event(struct vif_back *v)
{
    struct vif_hash_settings now;
    uint64_t t = ratelimit_now_ns();
    uint32_t budget = ratelimit_available(&v->ctrl_rate, t);
    int done;

    budget = budget < VIF_CTRL_BUDGET ? budget : VIF_CTRL_BUDGET;
    done = netback_ctrl_process(v->ctrl, budget);
    if (done < 0) {
        close_misbehaving(v);
        return true;
    }
    ratelimit_take_n(&v->ctrl_rate, t, (uint32_t)done);
    v->ctrl_more = (uint32_t)done == VIF_CTRL_BUDGET;
    if (v->ctrl_more)
        v->env.ops->poll_later(v->env.host, v, 0);
    if (!done || ((uint32_t)done == budget && budget < VIF_CTRL_BUDGET))
        return false;
    hash_settings(v, &now);
    if (memcmp(&now, &v->hash_pushed, sizeof(now))) {
        v->hash_pushed = now;
        push_hash(v);
    }
    return true;
}

void vif_back_poll(struct vif_back *v)
{
    for (unsigned i = 0; i < v->nqueues && v->connected; i++)
        if ((v->queue[i].tx_more || v->queue[i].tx_blocked) && !tx_drain(&v->queue[i]))
            return;
    if (v->rx_held) {
        /* The credit window that held a frame back came: the host offers
         * its frames again (a queue that finds too little waits anew). */
        v->rx_held = false;
        for (unsigned i = 0; i < v->nqueues && v->connected; i++)
            v->env.ops->rx_ready(v->env.host, v, i);
    }
    if (v->connected && v->ctrl_more)
        ctrl_event(v);
}

void vif_back_take_over(struct vif_back *v)
{
    v->take_over_until = ratelimit_now_ns() + TAKE_OVER_NS;
}

/* Whether the event found anything: TX requests, or RX buffers the
 * frontend posted since the last look. */
static bool queue_event(struct vif_queue *q, evtchn_port_t port)
{
    struct vif_back *v = q->v;
    bool tx = port == q->evtchn, rx = q->evtchn_rx ? port == q->evtchn_rx : tx;
    uint64_t taken = q->tx_taken;
    bool work;

    if (tx && !tx_drain(q))
        return true;
    work = q->tx_taken != taken;
    if (rx) {
        RING_IDX posted = netback_rx_posted(q->q);

        work |= posted != q->rx_posted;
        q->rx_posted = posted;
        v->env.ops->rx_ready(v->env.host, v, q->idx);
    }
    return work;
}

static bool port_of(const struct vif_back *v, evtchn_port_t port)
{
    if (port == v->evtchn_ctrl)
        return true;
    for (unsigned i = 0; i < v->nqueues; i++)
        if (port == v->queue[i].evtchn || port == v->queue[i].evtchn_rx)
            return true;
    return false;
}

enum vif_back_event vif_back_event(struct vif_back *v, evtchn_port_t port)
{
    enum vif_back_event found = VIF_EVENT_NOT_MINE;

    if (!port)
        return VIF_EVENT_NOT_MINE;
    if (v->attaching) /* nothing served yet: vif_up() looks; a flood is unmasked late */
        return port_of(v, port) ? VIF_EVENT_SPURIOUS : VIF_EVENT_NOT_MINE;
    if (!v->connected)
        return VIF_EVENT_NOT_MINE;
    if (port == v->evtchn_ctrl)
        return ctrl_event(v) ? VIF_EVENT_WORK : VIF_EVENT_SPURIOUS;
    for (unsigned i = 0; i < v->nqueues && v->connected; i++)
        if (port == v->queue[i].evtchn || port == v->queue[i].evtchn_rx)
            found = queue_event(&v->queue[i], port) || found == VIF_EVENT_WORK ? VIF_EVENT_WORK
                                                                               : VIF_EVENT_SPURIOUS;
    return found;
}

bool vif_back_rx_gso(const struct vif_back *v)
{
    return v->rx_gso;
}

const struct netif_features *vif_back_rx_features(const struct vif_back *v)
{
    return &v->rxf;
}

/* The queue for a frame the host did not sort: the frontend's hash when it
 * configured one (with its extra), else flows spread under the default key. */
static unsigned select_queue(struct vif_back *v, const void *frame, size_t len,
                             netif_extra_info_t *hash)
{
    uint32_t h;
    uint8_t htype;

    *hash = (netif_extra_info_t){0};
    if (v->ctrl)
        return netback_ctrl_select_queue(v->ctrl, frame, len, hash) % v->nqueues;
    if (v->nqueues == 1 ||
        toeplitz_flow_hash(toeplitz_default_key, TOEPLITZ_MAX_KEY, 0xf, frame, len, &h, &htype) < 0)
        return 0;
    return h % v->nqueues;
}

void vif_back_rx_flush(struct vif_back *v)
{
    for (unsigned i = 0; i < v->nqueues && v->connected; i++)
        netback_rx_flush(v->queue[i].q);
}

int vif_back_receive(struct vif_back *v, unsigned q, const void *frame, size_t len,
                     const struct netif_offload *o, const struct vif_back_rx_hash *hash)
{
    netif_extra_info_t extra = {0};
    uint64_t wait;
    int err;

    if (!v->connected)
        return -ENOTCONN;
    if (q == VIF_BACK_QUEUE_HASH)
        q = select_queue(v, frame, len, &extra);
    else if (hash && v->ctrl) /* the NIC hashed it as the frontend asked (push_hash) */
        netback_ctrl_hash_extra(hash->value, hash->type, &extra);
    if (q >= v->nqueues)
        return -EINVAL;
    if (!v->queue[q].rx_paid &&
        (wait = ratelimit_credit_take(&v->rx_credit, ratelimit_now_ns(), len))) {
        /* Over its receive rate: the host holds the frame (shaping, as
         * tc's tbf does) or drops it, and offers its frames again at the
         * next window's credit. */
        v->rx_held = true;
        v->env.ops->poll_later(v->env.host, v, wait);
        return -EBUSY;
    }
    /* The buffers posted since the last frame, all at once: not when they
     * are posted, as a frontend that receives nothing (one flapping its
     * state, reconnecting four times a second) would cost a map and an
     * unmap of them per connect. */
    rx_prefetch(&v->queue[q]);
    err = netback_rx_put(v->queue[q].q, frame, len, o, extra.type ? &extra : NULL);
    /* Paid but not taken (no buffer posted): the retry does not pay again. */
    v->queue[q].rx_paid = err == -EAGAIN;
    if (err == -ENOTCONN)
        close_misbehaving(v);
    return err;
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

/* What the host can give, within what the toolstack configured for the vif
 * (its multi-queue-num-queues in our directory, xl's queues=). */
static unsigned offered_queues(struct vif_back *v)
{
    unsigned n = v->env.max_queues ? v->env.max_queues : 1, cfg;

    if (n > VIF_BACK_MAX_QUEUES)
        n = VIF_BACK_MAX_QUEUES;
    if (xenbus_scanf(v->env.xs, XBT_NULL, v->dir, SV_XS_QUEUES, "%u", &cfg) == 1 && cfg >= 1 &&
        cfg < n)
        n = cfg;
    return n;
}

/* The toolstack's optional "vlan" key: absent is untagged, anything but
 * 1..4094 makes the vif unusable (nothing is better than the wrong LAN). */
static int read_vlan(struct xs_handle *xs, const char *dir, uint16_t *vlan)
{
    char *s = NULL, *end;
    unsigned long id;
    int err = 0;

    *vlan = 0;
    if (xenbus_read(xs, XBT_NULL, dir, SV_XS_VLAN, &s) < 0)
        return 0;
    id = strtoul(s, &end, 10);
    if (end == s || *end || id < 1 || id > 4094)
        err = -EINVAL;
    else
        *vlan = (uint16_t)id;
    free(s);
    return err;
}

/* libxl's optional "rate" key, "BYTES,USECS": BYTES of credit every USECS
 * for what the guest sends (Xen's netback reads the same), and ours
 * "rx-rate" for what it receives, with an optional ",BURST" (the most
 * credit kept); absent is unlimited, anything that does not parse makes
 * the vif unusable. */
static int read_rate(struct xs_handle *xs, const char *dir, const char *key,
                     struct ratelimit_credit *c)
{
    unsigned long long bytes = 0, usecs = 0, burst = 0;
    char *s = NULL, *end = NULL;
    int err = 0;

    ratelimit_credit_init(c, 0, 0);
    if (xenbus_read(xs, XBT_NULL, dir, key, &s) < 0)
        return 0;
    /* Digits only: strtoull would take a sign, and wrap "-1". */
    errno = 0;
    if (isdigit((unsigned char)s[0]))
        bytes = strtoull(s, &end, 10);
    if (end && *end == ',' && isdigit((unsigned char)end[1]))
        usecs = strtoull(end + 1, &end, 10);
    if (usecs && *end == ',' && strcmp(key, SV_XS_RATE) && isdigit((unsigned char)end[1]))
        burst = strtoull(end + 1, &end, 10);
    if (!usecs || *end || errno || !bytes || usecs > 1000000)
        err = -EINVAL;
    else
        ratelimit_credit_init(c, bytes, usecs * 1000);
    if (!err && burst)
        ratelimit_credit_set_burst(c, burst);
    free(s);
    return err;
}

/* The optional "trunk" key of backend directory dir: the VLANs the vif
 * carries tagged.  0 (absent: empty), -EINVAL for a list that does not
 * parse, which makes the vif unusable too. */
static int read_trunk(struct xs_handle *xs, const char *dir, struct sv_vlan_set *trunk)
{
    char *s = NULL;
    int err;

    memset(trunk, 0, sizeof(*trunk));
    if (xenbus_read(xs, XBT_NULL, dir, SV_XS_TRUNK, &s) < 0)
        return 0;
    err = sv_vlan_set_parse(s, trunk);
    free(s);
    return err;
}

static int write_features(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    struct vif_back *v = arg;
    char path[sizeof(v->dir) + sizeof(SV_XS_ERROR)];
    int err = 0;

    for (size_t i = 0; !err && i < sizeof(backend_features) / sizeof(backend_features[0]); i++)
        err = xenbus_write(h, t, v->dir, backend_features[i][0], backend_features[i][1]);
    if (!err)
        err = xenbus_printf(h, t, v->dir, "multi-queue-max-queues", "%u", v->max_queues);
    /* Why a netdd before us could not serve this directory is no longer
     * true once we do: the toolstack shows the node (fail_serving). */
    if (!err && xenbus_path(path, sizeof(path), v->dir, SV_XS_ERROR) == 0 && !xs_rm(h, t, path))
        err = -errno;
    if (!err)
        err = xenbus_printf(h, t, v->dir, "state", "%d", XenbusStateInitWait);
    return err;
}

/* The toolstack's "ip" key (absent or "": no filter); addresses that do
 * not parse make the vif unusable, as an unfiltered vif is not what was
 * configured. */
static int read_ips(struct xs_handle *xs, const char *dir, const uint8_t mac[6], struct ipfilter *f)
{
    char *s = NULL;
    int err;

    if (xenbus_read(xs, XBT_NULL, dir, SV_XS_IP, &s) < 0)
        return ipfilter_init(f, NULL, mac);
    err = ipfilter_init(f, s, mac);
    free(s);
    return err;
}

/*
 * Xenstore refused what serving the vif takes (a quota of ours: ENOSPC for
 * nodes, E2BIG for watches): as Xen's netback does with xenbus_dev_fatal(),
 * say so in the log and in the vif's directory (an "error" node, if that
 * still fits; beside the vif rather than under our home's error/, so that
 * it goes with the vif) and leave it Closed.  The vif keeps its slot, so
 * that the rescans our own writes cause do not try it again and again; it
 * is served afresh once its directory is made anew.
 */
static void fail_serving(struct vif_back *v, const char *what, int err)
{
    char msg[128];

    v->failed = true;
    snprintf(msg, sizeof(msg), "%d %s: %s", -err, what, strerror(-err));
    log_warnx("vif %u.%u: %s: %s: not served", v->fe_domid, v->devid, what, strerror(-err));
    if (xenbus_write(v->env.xs, XBT_NULL, v->dir, SV_XS_ERROR, msg) < 0)
        log_warnx("vif %u.%u: its error node does not fit either", v->fe_domid, v->devid);
    xenbus_switch_state(v->env.xs, v->dir, XenbusStateClosed);
}

struct vif_back *vif_back_new(const struct vif_back_env *env, const char *dir)
{
    struct vif_back *v = calloc(1, sizeof(*v));
    char *front = NULL, *mac = NULL;
    int err;

    if (!v)
        return NULL;
    v->env = *env;
    snprintf(v->dir, sizeof(v->dir), "%s", dir);
    if (sscanf(strrchr(dir, '/') + 1, "%u", &v->devid) != 1 ||
        xenbus_read(env->xs, XBT_NULL, dir, SV_XS_FRONTEND, &front) < 0 ||
        xenbus_scanf(env->xs, XBT_NULL, dir, SV_XS_FRONTEND_ID, "%u", &v->fe_domid) != 1 ||
        xenbus_read(env->xs, XBT_NULL, dir, SV_XS_MAC, &mac) < 0 || parse_mac(mac, v->mac) < 0)
        goto out_free;
    if (read_vlan(env->xs, dir, &v->vlan) < 0 || read_trunk(env->xs, dir, &v->trunk) < 0) {
        log_warnx("%s: vlan or trunk holds other than VLAN ids 1-4094: not served", dir);
        goto out_free;
    }
    if (read_rate(env->xs, dir, SV_XS_RATE, &v->tx_credit) < 0 ||
        read_rate(env->xs, dir, SV_XS_RX_RATE, &v->rx_credit) < 0) {
        log_warnx("%s: rate is not BYTES,USECS or rx-rate BYTES,USECS[,BURST] (USECS "
                  "1..1000000): not served",
                  dir);
        goto out_free;
    }
    if (read_ips(env->xs, dir, v->mac, &v->ipf) < 0) {
        log_warnx("%s: ip holds other than up to 8 IPv4 or IPv6 addresses: not served", dir);
        goto out_free;
    }
    v->ip_filtered_shown = UINT64_MAX;
    snprintf(v->frontend, sizeof(v->frontend), "%s", front);
    v->max_queues = offered_queues(v);
    ratelimit_init(&v->connects, VIF_CONNECT_RATE, VIF_CONNECT_BURST);
    ratelimit_init(&v->ctrl_rate, VIF_CTRL_RATE, VIF_CTRL_BURST);
    ratelimit_init(&v->mcast, VIF_MCAST_RATE, VIF_MCAST_BURST);
    for (unsigned i = 0; i < VIF_BACK_MAX_QUEUES; i++)
        v->queue[i] = (struct vif_queue){.v = v, .idx = i};
    /* The frontend's state alone: everything else it writes in its
     * directory is read when its state says so, and a guest writing other
     * keys as fast as it can must cost us nothing (XSA-349). */
    snprintf(v->frontend_state, sizeof(v->frontend_state), "%s/state", v->frontend);
    err = xenbus_transaction(env->xs, write_features, v);
    if (err)
        fail_serving(v, "cannot write its features", err);
    else if (!xs_watch(env->xs, v->frontend_state, v->dir))
        fail_serving(v, "cannot watch the frontend's state", -errno);
    else
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
    if (!v->failed)
        xs_unwatch(v->env.xs, v->frontend_state, v->dir);
    if (v->detaching)
        v->free_pending = true; /* vif_back_detached() frees it */
    else
        free(v);
}

void vif_back_publish(struct vif_back *v, const char *key, const char *value)
{
    int err = xenbus_write(v->env.xs, XBT_NULL, v->dir, key, value);

    /* What we show the toolstack, not what the vif needs: logged, once a
     * vif, as counters are published every second. */
    if (err && !v->publish_warned) {
        v->publish_warned = true;
        log_warnx("vif %u.%u: cannot write %s/%s: %s", v->fe_domid, v->devid, v->dir, key,
                  strerror(-err));
    }
}

void vif_back_publish_counters(struct vif_back *v)
{
    char value[64];

    if (v->failed)
        return;
    if (v->tso_segments != v->tso_shown) {
        snprintf(value, sizeof(value), "packets %llu segments %llu",
                 (unsigned long long)v->tso_packets, (unsigned long long)v->tso_segments);
        vif_back_publish(v, SV_XS_SOFT_TSO, value);
        v->tso_shown = v->tso_segments;
    }
    if (v->mcast_held != v->mcast_held_shown) {
        snprintf(value, sizeof(value), "%llu", (unsigned long long)v->mcast_held);
        vif_back_publish(v, SV_XS_MCAST_HELD, value);
        v->mcast_held_shown = v->mcast_held;
    }
    if (!v->ipf.active || v->ip_filtered == v->ip_filtered_shown)
        return;
    snprintf(value, sizeof(value), "%llu", (unsigned long long)v->ip_filtered);
    vif_back_publish(v, SV_XS_IP_FILTERED, value);
    v->ip_filtered_shown = v->ip_filtered;
}

const char *vif_back_dir(const struct vif_back *v)
{
    return v->dir;
}

uint16_t vif_back_vlan(const struct vif_back *v)
{
    return v->vlan;
}

const struct sv_vlan_set *vif_back_trunk(const struct vif_back *v)
{
    return &v->trunk;
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
