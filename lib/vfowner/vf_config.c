/* A PF's owner configures its VFs for the toolstack (see sv/vf_config.h). */
#include <errno.h>
#include <event2/event.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "sv/log.h"
#include "sv/ratelimit.h"
#include "sv/util.h"
#include "sv/xenbus.h"
#include "sv/abi/xnic.h"
#include "sv/abi/xs_net.h"
#include "sv/vf_config.h"
#include "sv/vf_mbx.h"
#include "sv/vlan.h"
#include "sv/xnic_drv.h"

#define VF_CONFIG_MAX   64
#define VF_CONFIG_TOKEN "vf-config"
#define VF_FRONT_TOKEN  "vf-config-front" /* a teamed VF's frontend state */
/* How often a guest's own state may move its VF's traffic (each move: two
 * admin commands to the NIC and a pool's reconfiguration); what comes
 * faster is looked at when the rate allows, so the last state wins. */
#define VF_FLIP_RATE  5
#define VF_FLIP_BURST 4
/* Multicast filters all VFs together may have (the NIC's table of
 * XNIC_MAX_FILTERS is the pools' too: guests must not fill it). */
#define VF_MCAST_BUDGET (XNIC_MAX_FILTERS / 4)
/* Mailbox messages taken from a VF a second (after a burst): the next one
 * waits in its box meanwhile, and the VF cannot send another (the device
 * holds one a direction), so a VF sending without pause costs us this. */
#define MBX_RATE  20
#define MBX_BURST 8

enum vf_link { LINK_AUTO, LINK_ENABLE, LINK_DISABLE };

/* A backend/vf/F/N as read, all of it at once: what a VF is given is
 * compared with it again at each rescan, so a request rewritten while the
 * events about it were dropped or not yet taken is not left half applied. */
struct vf_request {
    bool present; /* its "state" is there */
    XenbusState state;
    unsigned vf, vlan, spoofchk, trust;
    uint8_t mac[6];
    enum vf_link link;
    struct sv_vlan_set trunk; /* the teamed vif's tagged VLANs */
    bool teamed;              /* "failover" given */
    unsigned failover, frontend_id;
    char front[160];
};

struct vf_config {
    struct event_base *base;
    struct xs_handle *xs;
    struct xnic_drv *pf;
    struct ratelimit mbx_rate[XNIC_MAX_VFS];
    struct event *mbx_timer; /* a VF's message held back by its rate */
    struct event *rescan;    /* made active by our watch's events: one rescan for them all */
    char home[64];
    char dir[96]; /* <home>/backend/vf */
    vf_config_standby_fn *standby;
    void *ctx;
    struct vf_configured {
        bool used;
        struct vf_request req; /* what the toolstack asked, as last read */
        unsigned vf;
        char dir[160];
        /* Teamed (failover): the standby vif's backend directory, the
         * guest's device/vf/N (watched), and whether the vif stands by. */
        char vif[160];
        char front[160];
        bool standing_by;
        struct ratelimit flips; /* the guest's state changes we act on */
        struct event *flip_timer;
        struct vf_config *c;
        /* What the toolstack asked for; a teamed VF stands by (STANDBY)
         * unless it is the active path. */
        uint8_t mac[6];
        uint16_t vlan;
        uint32_t flags;
        enum vf_link link;        /* link-state */
        struct sv_vlan_set trunk; /* what a trusted VF asked */
        struct vf_mbx_vf mbx;     /* the VF's mailbox side */
    } done[VF_CONFIG_MAX];
};

/* A number up to max (absent: -ENOENT). */
static int parse_uint(const char *v, unsigned max, unsigned *out)
{
    unsigned long n;

    if (!v)
        return -ENOENT;
    if (!sv_parse_uint(v, max, &n))
        return -EINVAL;
    *out = (unsigned)n;
    return 0;
}

/* Absent or "" (none), or xx:xx:xx:xx:xx:xx, unicast. */
static int parse_mac(const char *v, uint8_t mac[6])
{
    unsigned b[6];

    memset(mac, 0, 6);
    if (!v || !*v)
        return 0;
    if (sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6 ||
        strlen(v) != 17 || (b[0] & 1))
        return -EINVAL;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
    return 0;
}

/* "link-state": auto (absent: the wire's), enable or disable, as Linux's
 * `ip link set PF vf N state`. */
static int parse_link(const char *v, enum vf_link *link)
{
    static const char *const names[] = {
        [LINK_AUTO] = "auto", [LINK_ENABLE] = "enable", [LINK_DISABLE] = "disable"};

    *link = LINK_AUTO;
    for (unsigned i = 0; v && i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(v, names[i])) {
            *link = i;
            return 0;
        }
    return v ? -EINVAL : 0;
}

/* A teamed VF ("failover" = D): the frontend it is teamed under.  The
 * guest names neither: the frontend is the toolstack's key, and D a number
 * under the frontend's own vifs. */
static int parse_team(struct vf_config *c, const char *failover, const char *fid, const char *front,
                      struct vf_request *r)
{
    int err = parse_uint(failover, 1u << 16, &r->failover);

    if (err == -ENOENT)
        return 0;
    r->teamed = true;
    if (!err && !c->standby)
        err = -EOPNOTSUPP; /* we serve no vifs: none of ours can stand by */
    if (!err)
        err = parse_uint(fid, 0x7fef, &r->frontend_id);
    if (!err && !front)
        err = -ENOENT;
    if (!err && strlen(front) >= sizeof(r->front))
        err = -ENAMETOOLONG;
    if (!err)
        snprintf(r->front, sizeof(r->front), "%s", front);
    return err;
}

/* The request in dir, with one wait for xenstored: 0, or -errno when it
 * cannot be read or does not parse (r->present says whether it is there). */
static int read_request(struct vf_config *c, const char *dir, struct vf_request *r)
{
    enum {
        K_STATE,
        K_VF,
        K_VLAN,
        K_SPOOFCHK,
        K_TRUST,
        K_MAC,
        K_LINK,
        K_TRUNK,
        K_FAILOVER,
        K_FRONTEND_ID,
        K_FRONTEND,
        K_N
    };
    static const char *const nodes[K_N] = {
        [K_STATE] = "state",           [K_VF] = SV_XS_VF,
        [K_VLAN] = SV_XS_VLAN,         [K_SPOOFCHK] = SV_XS_SPOOFCHK,
        [K_TRUST] = SV_XS_TRUST,       [K_MAC] = SV_XS_MAC,
        [K_LINK] = SV_XS_LINK_STATE,   [K_TRUNK] = SV_XS_TRUNK,
        [K_FAILOVER] = SV_XS_FAILOVER, [K_FRONTEND_ID] = SV_XS_FRONTEND_ID,
        [K_FRONTEND] = SV_XS_FRONTEND};
    struct xenbus_key keys[K_N];
    char *v[K_N];
    int err;

    memset(r, 0, sizeof(*r));
    for (unsigned i = 0; i < K_N; i++)
        keys[i] = (struct xenbus_key){dir, nodes[i]};
    if ((err = xenbus_read_many(c->xs, XBT_NULL, keys, K_N, v)))
        return err;
    r->present = v[K_STATE] != NULL;
    r->state = xenbus_parse_state(v[K_STATE]);
    if (!(err = parse_uint(v[K_VF], XNIC_MAX_VFS - 1, &r->vf)) &&
        !(err = parse_uint(v[K_VLAN], 4094, &r->vlan)) &&
        !(err = parse_uint(v[K_SPOOFCHK], 1, &r->spoofchk)) &&
        !(err = parse_uint(v[K_TRUST], 1, &r->trust)) && !(err = parse_mac(v[K_MAC], r->mac)) &&
        !(err = parse_link(v[K_LINK], &r->link)) && v[K_TRUNK])
        err = sv_vlan_set_parse(v[K_TRUNK], &r->trunk); /* one that does not parse refuses it */
    if (!err)
        err = parse_team(c, v[K_FAILOVER], v[K_FRONTEND_ID], v[K_FRONTEND], r);
    for (unsigned i = 0; i < K_N; i++)
        free(v[i]);
    return err;
}

/* Whether the VF's configuration is still what a asked (its state and
 * link-state aside: those are followed without configuring it again). */
static bool same_request(const struct vf_request *a, const struct vf_request *b)
{
    return a->vf == b->vf && a->vlan == b->vlan && a->spoofchk == b->spoofchk &&
           a->trust == b->trust && !memcmp(a->mac, b->mac, sizeof(a->mac)) &&
           !memcmp(&a->trunk, &b->trunk, sizeof(a->trunk)) && a->teamed == b->teamed &&
           a->failover == b->failover && a->frontend_id == b->frontend_id &&
           !strcmp(a->front, b->front);
}

/* The VF as the active path, or a teamed one standing by (STANDBY: the
 * NIC delivers it nothing; it may send with the MAC). */
static int vf_apply(struct vf_config *c, const struct vf_configured *slot, bool active)
{
    struct sv_vlan_set trunk = slot->req.trunk;

    sv_vlan_set_union(&trunk, &slot->trunk);
    return vf_pf_config(c->pf, slot->vf, slot->mac, slot->vlan,
                        slot->flags | (active ? 0 : XNIC_VPF_STANDBY), &trunk);
}

/* ---- the VF's mailbox (vf_mbx.h) ---- */

static struct vf_configured *slot_of(const struct vf_mbx_vf *s)
{
    return (struct vf_configured *)((char *)s - offsetof(struct vf_configured, mbx));
}

/* The VF carries its traffic itself: not teamed, or its vif stands by. */
static bool vf_active(const struct vf_configured *slot)
{
    return !slot->vif[0] || slot->standing_by;
}

static int op_mcast(void *ctx, unsigned vf, const uint8_t mac[6], bool add)
{
    struct vf_config *c = ctx;
    unsigned used = 0;

    for (unsigned i = 0; add && i < VF_CONFIG_MAX; i++)
        used += c->done[i].used ? c->done[i].mbx.nmcast : 0;
    if (used >= VF_MCAST_BUDGET)
        return -ENOSPC;
    return vf_pf_mcast(c->pf, vf, mac, add);
}

/* A teamed VF keeps its vif's MAC: the two are one interface. */
static int op_set_mac(void *ctx, const struct vf_mbx_vf *s)
{
    struct vf_configured *slot = slot_of(s);

    if (slot->vif[0])
        return -EBUSY;
    memcpy(slot->mac, s->mac, 6);
    return vf_apply(ctx, slot, true);
}

static int op_set_vlan(void *ctx, const struct vf_mbx_vf *s, uint16_t vid, bool add)
{
    struct vf_configured *slot = slot_of(s);

    if (add)
        sv_vlan_set_add(&slot->trunk, vid);
    else
        slot->trunk.bits[vid / 64] &= ~(1ull << (vid % 64));
    return vf_apply(ctx, slot, vf_active(slot));
}

static uint32_t op_link_mbps(void *ctx, const struct vf_mbx_vf *s)
{
    uint32_t mbps = vf_pf_link_mbps(((struct vf_config *)ctx)->pf);

    switch (slot_of(s)->link) {
    case LINK_DISABLE:
        return 0;
    case LINK_ENABLE:
        return mbps ? mbps : 10000; /* up whatever the wire says: VFs still switch */
    default:
        return mbps;
    }
}

static const struct vf_mbx_ops mbx_ops = {
    .mcast = op_mcast,
    .set_mac = op_set_mac,
    .set_vlan = op_set_vlan,
    .link_mbps = op_link_mbps,
};

/* A notice to the VF; one it has not read yet (its driver not running, or
 * not reading) is not waited for: it reads what holds when it asks. */
static void notify(struct vf_config *c, struct vf_configured *slot, uint16_t type)
{
    struct xnic_mbx_msg m;
    int err;

    slot->mbx.vf = slot->vf;
    memcpy(slot->mbx.mac, slot->mac, 6);
    slot->mbx.pvid = slot->vlan;
    vf_mbx_notice(&slot->mbx, type, &mbx_ops, c, &m);
    if ((err = xnic_drv_mbx_send(c->pf, slot->vf, &m, sizeof(m))) < 0)
        log_info("%s: VF %u did not read our last message (%s)", slot->dir, slot->vf,
                 strerror(-err));
}

static int configure(struct vf_config *c, const char *dir, struct vf_configured *slot)
{
    const struct vf_request *r = &slot->req;
    const uint8_t *mac = r->mac;
    int err;

    if ((err = read_request(c, dir, &slot->req)))
        return err;
    slot->mbx = (struct vf_mbx_vf){.vf = r->vf, .trusted = r->trust, .pvid = (uint16_t)r->vlan};
    memcpy(slot->mbx.mac, mac, 6);
    memcpy(slot->mac, mac, 6);
    slot->vf = r->vf;
    slot->vlan = (uint16_t)r->vlan;
    slot->link = r->link;
    /* Anti-spoofing needs a MAC to compare with. */
    slot->flags =
        XNIC_VPF_BCAST | (r->trust ? XNIC_VPF_ALLMULTI : 0) |
        (r->spoofchk && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) ? XNIC_VPF_SPOOFCHK
                                                                              : 0);
    /* Teamed: the standby vif's directory, and the frontend's state watched. */
    if (r->teamed && (err = xenbus_watch_state(c->xs, r->front, VF_FRONT_TOKEN)))
        return err;
    if (r->teamed) {
        snprintf(slot->vif, sizeof(slot->vif), "%s/backend/vif/%u/%u", c->home, r->frontend_id,
                 r->failover);
        snprintf(slot->front, sizeof(slot->front), "%s", r->front);
    }
    /* A request made again for us (we are a restarted PF owner) of a VF the
     * guest drives: the NIC kept its configuration and the guest goes on
     * using it (serve() then has the vif stand by); a new one stands by
     * until the guest says 4. */
    err = vf_apply(c, slot,
                   !slot->vif[0] ||
                       xenbus_read_state(c->xs, XBT_NULL, slot->front) == XenbusStateConnected);
    if (err && slot->front[0])
        xenbus_unwatch_state(c->xs, slot->front, VF_FRONT_TOKEN);
    return err;
}

/*
 * The VF is the active path while the guest drives it and we are not
 * detaching it: then STANDBY moves from the VF to the vif's pool, and back
 * after, the standby's set first, so the NIC delivers each frame to one
 * path (never both: no frame reaches the guest twice; one arriving between
 * the two commands reaches neither).  Both may send throughout: the guest
 * sends on the VF while it has it.
 */
static void follow(struct vf_config *c, struct vf_configured *slot, bool gone)
{
    bool standby = !gone && slot->vif[0] && slot->link != LINK_DISABLE &&
                   xenbus_read_state(c->xs, XBT_NULL, slot->dir) == XenbusStateConnected &&
                   xenbus_read_state(c->xs, XBT_NULL, slot->front) == XenbusStateConnected;
    int err;

    if (standby == slot->standing_by)
        return;
    if (standby && !c->standby(c->ctx, slot->vif, true)) {
        log_warnx("%s: %s cannot stand by (no pool of its own): the VF stays unused", slot->dir,
                  slot->vif);
        vf_apply(c, slot, false);
        return;
    }
    if ((err = vf_apply(c, slot, standby)) < 0)
        log_warnx("%s: VF %u: %s", slot->dir, slot->vf, strerror(-err));
    if (!standby)
        c->standby(c->ctx, slot->vif, false);
    slot->standing_by = standby;
    log_info("%s: %s %s", slot->dir, slot->vif,
             standby ? "stands by: the VF carries its MAC" : "carries its MAC again");
}

static struct vf_configured *find(struct vf_config *c, const char *dir)
{
    for (unsigned i = 0; i < VF_CONFIG_MAX; i++)
        if (c->done[i].used && !strcmp(c->done[i].dir, dir))
            return &c->done[i];
    return NULL;
}

static void on_flip_timer(evutil_socket_t fd, short what, void *arg)
{
    struct vf_configured *slot = arg;

    (void)fd;
    (void)what;
    if (slot->used)
        follow(slot->c, slot, false);
}

/* A guest's own state changed: followed now if its rate allows, else once
 * when it does (what it says then is what counts). */
static void flip(struct vf_configured *slot)
{
    uint64_t wait;
    struct timeval tv;

    if (evtimer_pending(slot->flip_timer, NULL))
        return;
    if (!(wait = ratelimit_take(&slot->flips, ratelimit_now_ns()))) {
        follow(slot->c, slot, false);
        return;
    }
    tv = ratelimit_timeval(wait);
    evtimer_add(slot->flip_timer, &tv);
}

/* An empty slot, its timer kept (made once: slots are reused). */
static void slot_init(struct vf_config *c, struct vf_configured *slot)
{
    struct event *timer = slot->flip_timer;

    *slot = (struct vf_configured){.c = c, .flip_timer = timer};
    if (!slot->flip_timer)
        slot->flip_timer = evtimer_new(c->base, on_flip_timer, slot);
    ratelimit_init(&slot->flips, VF_FLIP_RATE, VF_FLIP_BURST);
}

/* The request in dir, in slot (NULL: none free); false when it is refused. */
static bool serve_in(struct vf_config *c, struct vf_configured *slot, const char *dir)
{
    int err;

    if (slot)
        slot_init(c, slot);
    err = !slot ? -ENOSPC : !slot->flip_timer ? -ENOMEM : configure(c, dir, slot);
    if (err) {
        log_warnx("%s: cannot configure the VF (%s)", dir, strerror(-err));
        xenbus_printf(c->xs, XBT_NULL, dir, SV_XS_ERROR, "%s", strerror(-err));
        xenbus_switch_state(c->xs, dir, XenbusStateClosed);
        return false;
    }
    slot->used = true;
    snprintf(slot->dir, sizeof(slot->dir), "%s", dir);
    log_info("%s: VF %u configured", dir, slot->vf);
    xenbus_switch_state(c->xs, dir, XenbusStateConnected);
    follow(c, slot, false);
    /* A VF already driven hears it and tells us its multicast list (we are
     * a new PF owner: a reset dropped its filters, or a take-over kept them
     * but not the list, which only the VF knows now). */
    notify(c, slot, XNIC_MBX_RESET);
    return true;
}

static void serve(struct vf_config *c, const char *dir)
{
    struct vf_configured *slot = NULL;

    /* One refused already (Closed) waits for the toolstack to make it
     * again: trying at each rescan would write its error each time, and
     * each write is an event that rescans. */
    if (find(c, dir) || xenbus_read_state(c->xs, XBT_NULL, dir) == XenbusStateClosed)
        return;
    for (unsigned i = 0; i < VF_CONFIG_MAX && !slot; i++)
        if (!c->done[i].used)
            slot = &c->done[i];
    serve_in(c, slot, dir);
}

/* The slot lets go of everything but the VF's configuration: a teamed
 * VF's vif gets its MAC back, the VF's multicast filters go. */
static void unplug(struct vf_config *c, struct vf_configured *slot)
{
    follow(c, slot, true);
    if (slot->front[0])
        xenbus_unwatch_state(c->xs, slot->front, VF_FRONT_TOKEN);
    vf_mbx_forget(&slot->mbx, &mbx_ops, c);
    evtimer_del(slot->flip_timer);
    slot->used = false;
}

/* The VF goes back to no MAC, no VLAN (its next owner's configuration
 * comes the same way). */
static void release(struct vf_config *c, unsigned vf)
{
    vf_pf_config(c->pf, vf, (const uint8_t[6]){0}, 0, 0, NULL);
}

/* The request in the slot's directory is no longer the one its VF was
 * given (rewritten: detached and attached again, perhaps while the events
 * about it were dropped).  The VF gets the new configuration at once, not
 * none first (none is the untagged LAN), or none when the request no
 * longer parses or names another VF. */
static void renew(struct vf_config *c, struct vf_configured *slot)
{
    unsigned vf = slot->vf;
    char dir[sizeof(slot->dir)];

    snprintf(dir, sizeof(dir), "%s", slot->dir);
    log_info("%s: the request for VF %u changed: configuring it again", dir, vf);
    unplug(c, slot);
    if (!serve_in(c, slot, dir) || slot->vf != vf)
        release(c, vf);
}

/* Every backend/vf/F/N: new ones configured, changed ones configured
 * again, gone ones unconfigured.  It reads all of each request, so it
 * finds whatever events it was not told of. */
static void rescan(struct vf_config *c)
{
    unsigned nf = 0;
    char **fronts = xs_directory(c->xs, XBT_NULL, c->dir, &nf);
    char dir[160];

    for (unsigned i = 0; i < VF_CONFIG_MAX; i++) {
        struct vf_configured *slot = &c->done[i];
        struct vf_request r;
        int err;

        if (!slot->used)
            continue;
        err = read_request(c, slot->dir, &r);
        if (r.present && (err || !same_request(&slot->req, &r))) {
            renew(c, slot);
            continue;
        }
        if (r.present) {
            if (r.link != slot->link) {
                slot->link = r.link;
                log_info("%s: VF %u link %s", slot->dir, slot->vf,
                         slot->link == LINK_DISABLE ? "disabled" : "enabled");
                notify(c, slot, XNIC_MBX_LINK);
            }
            /* Closing: the standby gets the MAC back before we say so. */
            follow(c, slot, false);
            if (r.state == XenbusStateClosing)
                xenbus_switch_state(c->xs, slot->dir, XenbusStateClosed);
            continue;
        }
        unplug(c, slot);
        release(c, slot->vf);
        log_info("%s: VF %u released", slot->dir, slot->vf);
    }
    for (unsigned i = 0; fronts && i < nf; i++) {
        unsigned nd = 0;
        char **devs;

        snprintf(dir, sizeof(dir), "%s/%s", c->dir, fronts[i]);
        devs = xs_directory(c->xs, XBT_NULL, dir, &nd);
        for (unsigned k = 0; devs && k < nd; k++) {
            snprintf(dir, sizeof(dir), "%s/%s/%s", c->dir, fronts[i], devs[k]);
            serve(c, dir);
        }
        free(devs);
    }
    free(fronts);
}

/* A mailbox message from VF vf: answered from what the toolstack gave it. */
static void mbx_in(struct vf_config *c, unsigned vf, const void *msg, size_t len)
{
    struct vf_configured *slot = NULL;
    struct vf_mbx_vf none = {.vf = vf};
    struct xnic_mbx_msg reply;
    int err;

    for (unsigned i = 0; i < VF_CONFIG_MAX && !slot; i++)
        if (c->done[i].used && c->done[i].vf == vf)
            slot = &c->done[i];
    /* A VF nobody asked us to configure gets answers about nothing. */
    if (!vf_mbx_handle(slot ? &slot->mbx : &none, msg, len, &mbx_ops, c, &reply))
        return;
    if (!slot && reply.status == 0)
        reply = (struct xnic_mbx_msg){.type = reply.type, .status = -ENODEV};
    if (slot && (reply.type & ~XNIC_MBX_REPLY) != XNIC_MBX_RESET)
        log_info("%s: VF %u asked %u: %s", slot->dir, vf, reply.type & ~XNIC_MBX_REPLY,
                 reply.status ? strerror(-reply.status) : "done");
    if ((err = xnic_drv_mbx_send(c->pf, vf, &reply, sizeof(reply))) < 0)
        log_info("VF %u: no room for our answer (%s)", vf, strerror(-err));
}

/* Takes each VF's waiting message its rate allows; the timer comes back for
 * the others. */
static void mbx_scan(struct vf_config *c)
{
    uint32_t pend = __atomic_load_n(
        (const volatile uint32_t *)(xnic_drv_regs(c->pf) + XNIC_REG_MBX_PEND), __ATOMIC_ACQUIRE);
    uint64_t now = ratelimit_now_ns(), wait = 0;
    uint8_t msg[XNIC_MBX_MSG_SIZE];

    for (unsigned vf = 0; pend && vf < XNIC_MAX_VFS; vf++) {
        uint64_t w;
        int n;

        if (!(pend & (1u << vf)))
            continue;
        if ((w = ratelimit_take(&c->mbx_rate[vf], now))) {
            wait = !wait || w < wait ? w : wait;
            continue;
        }
        if ((n = xnic_drv_mbx_recv(c->pf, vf, msg, sizeof(msg))) >= 0)
            mbx_in(c, vf, msg, (size_t)n);
    }
    if (wait && !evtimer_pending(c->mbx_timer, NULL)) {
        struct timeval tv = ratelimit_timeval(wait);

        evtimer_add(c->mbx_timer, &tv);
    }
}

static void on_rescan(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    rescan(arg);
}

static void on_mbx_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mbx_scan(arg);
}

struct vf_config *vf_config_new(struct event_base *base, struct xs_handle *xs, struct xnic_drv *pf,
                                const char *home, vf_config_standby_fn *standby, void *ctx)
{
    struct vf_config *c = calloc(1, sizeof(*c));

    if (!c || !(c->mbx_timer = evtimer_new(base, on_mbx_timer, c)) ||
        !(c->rescan = event_new(base, -1, 0, on_rescan, c))) {
        log_errorx("VF configuration: %s", strerror(ENOMEM));
        if (c && c->mbx_timer)
            event_free(c->mbx_timer);
        free(c);
        return NULL;
    }
    for (unsigned vf = 0; vf < XNIC_MAX_VFS; vf++)
        ratelimit_init(&c->mbx_rate[vf], MBX_RATE, MBX_BURST);
    c->base = base;
    c->xs = xs;
    c->pf = pf;
    c->standby = standby;
    c->ctx = ctx;
    snprintf(c->home, sizeof(c->home), "%s", home);
    snprintf(c->dir, sizeof(c->dir), "%s/" SV_XS_VF_BACKEND, home);
    /* The watch fires at once: what is there now is served then. */
    if (!xs_watch(xs, c->dir, VF_CONFIG_TOKEN)) {
        log_error("watch %s", c->dir);
        event_free(c->rescan);
        event_free(c->mbx_timer);
        free(c);
        return NULL;
    }
    mbx_scan(c); /* what VFs sent before we listened */
    return c;
}

void vf_config_free(struct vf_config *c)
{
    if (!c)
        return;
    xs_unwatch(c->xs, c->dir, VF_CONFIG_TOKEN);
    for (unsigned i = 0; i < VF_CONFIG_MAX; i++) {
        if (c->done[i].used && c->done[i].front[0])
            xenbus_unwatch_state(c->xs, c->done[i].front, VF_FRONT_TOKEN);
        if (c->done[i].flip_timer)
            event_free(c->done[i].flip_timer);
    }
    event_free(c->rescan);
    event_free(c->mbx_timer);
    free(c);
}

bool vf_config_event(struct vf_config *c, const char *token, const char *path)
{
    if (!c)
        return false;
    /* Any change under backend/vf: every request is read whole at the
     * next turn of the loop, once for all the events taken meanwhile (a
     * burst of them costs one rescan, not one each). */
    if (!strcmp(token, VF_CONFIG_TOKEN)) {
        event_active(c->rescan, EV_TIMEOUT, 0);
        return true;
    }
    if (strcmp(token, VF_FRONT_TOKEN))
        return false;
    /* A guest's own state: the slot it belongs to alone is looked at, at
     * its rate (a guest writing its state over and over costs us a compare
     * a write, never a rescan of every request nor a move each time). */
    for (unsigned i = 0; i < VF_CONFIG_MAX; i++) {
        struct vf_configured *slot = &c->done[i];
        size_t n = strlen(slot->front);

        if (slot->used && n && !strncmp(path, slot->front, n) && (!path[n] || path[n] == '/'))
            flip(slot);
    }
    return true;
}

void vf_config_misc(struct vf_config *c, uint32_t icr)
{
    if (icr & XNIC_ICR_LINK) {
        log_info("PF link %s", vf_pf_link_mbps(c->pf) ? "up" : "down");
        for (unsigned i = 0; i < VF_CONFIG_MAX; i++)
            if (c->done[i].used && c->done[i].link != LINK_DISABLE)
                notify(c, &c->done[i], XNIC_MBX_LINK);
    }
    mbx_scan(c);
}

void vf_config_resync(struct vf_config *c)
{
    if (!c)
        return;
    log_warnx("%s: xenstore watch events were dropped: reading every VF request again", c->dir);
    rescan(c);
}

bool vf_config_standby(const struct vf_config *c, const char *vif_dir)
{
    for (unsigned i = 0; c && i < VF_CONFIG_MAX; i++)
        if (c->done[i].used && c->done[i].standing_by && !strcmp(c->done[i].vif, vif_dir))
            return true;
    return false;
}
