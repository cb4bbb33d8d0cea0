/* The driver domain's software L2 switch on the default pool (see swswitch.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf.h"
#include "sv/log.h"
#include "sv/netif_offload.h"
#include "sv/pktparse.h"
#include "sv/vlan.h"
#include "sv/abi/xnic.h"
#include "sv/abi/xs_net.h"
#include "swswitch.h"
#include "sv/vif_back.h"

#define SWSWITCH_PORTS 64
#define ETH_HLEN       14
#define VLAN_HLEN      4
/* Frames and bytes a port over its receive rate holds, the oldest dropped
 * beyond (a tc tbf's limit): pool 0 is not held for it, so the frames are
 * copied.  Dropped at once instead (a policer), TCP into a vif limited to
 * 20 Mbit/s got 5.7; with 64 frames held, 16.7. */
#define SWSWITCH_HOLD       256
#define SWSWITCH_HOLD_BYTES (256u * 1024)

/* A frame a port holds until its receive credit comes. */
struct held_frame {
    uint8_t *data;
    size_t len;
    struct netif_offload o;
};

struct swport {
    struct vif_back *vif; /* NULL: free */
    uint8_t mac[6];
    uint16_t vlan;            /* its port VLAN (frames tagged outside); 0: the untagged LAN */
    struct sv_vlan_set trunk; /* VLANs it carries tagged */
    uint64_t rx_packets, tx_packets, tx_spoofed;
    struct held_frame held[SWSWITCH_HOLD]; /* a ring, oldest at held_first */
    unsigned held_first, nheld;
    size_t held_bytes;
};

struct swswitch {
    struct pf *pf;
    struct pf_pool *pool;
    struct sv_vlan_set pool_vlans; /* what pool 0 carries tagged: every port's VLANs */
    struct swport ports[SWSWITCH_PORTS];
    uint8_t untagged[PF_TX_BUF]; /* a tagged frame with its tag taken out */
};

static bool is_multicast(const uint8_t *dst)
{
    return dst[0] & 1; /* broadcast included */
}

/*
 * One frame as the wire carries it (tagged with vlan, or not), and the form
 * a port of that VLAN receives, made once when first needed: the rule of the
 * NIC's port VLANs, so that a vif sees the same on a pool and on the switch.
 */
struct wire_frame {
    const uint8_t *frame;
    size_t len;
    uint16_t vlan;
    const uint8_t *untagged; /* NULL until made */
    const struct netif_offload *o;
};

/* Whether w may reach p, and in which form. */
static enum sv_vlan_verdict port_egress(const struct swport *p, const struct wire_frame *w)
{
    return sv_vlan_egress(p->vlan, &p->trunk, w->vlan);
}

static void held_drop_first(struct swport *p)
{
    p->held_bytes -= p->held[p->held_first].len;
    free(p->held[p->held_first].data);
    p->held[p->held_first] = (struct held_frame){0};
    p->held_first = (p->held_first + 1) % SWSWITCH_HOLD;
    p->nheld--;
}

/* Keeps a copy of the frame for p, behind those it holds (the oldest go
 * beyond SWSWITCH_HOLD frames or SWSWITCH_HOLD_BYTES); lost when there is
 * no memory for it. */
static void hold(struct swport *p, const void *frame, size_t len, const struct netif_offload *o)
{
    struct held_frame *h;
    uint8_t *copy = len <= SWSWITCH_HOLD_BYTES ? malloc(len) : NULL;

    if (!copy)
        return;
    while (p->nheld == SWSWITCH_HOLD || p->held_bytes + len > SWSWITCH_HOLD_BYTES)
        held_drop_first(p);
    h = &p->held[(p->held_first + p->nheld++) % SWSWITCH_HOLD];
    memcpy(copy, frame, len);
    *h = (struct held_frame){copy, len, *o};
    p->held_bytes += len;
}

static void held_clear(struct swport *p)
{
    while (p->nheld)
        held_drop_first(p);
}

/* Offers p's held frames again (its credit came, or its guest posted
 * buffers): until one must wait again. */
static void held_release(struct swport *p)
{
    while (p->nheld) {
        const struct held_frame *h = &p->held[p->held_first];
        int err = vif_back_receive(p->vif, VIF_BACK_QUEUE_HASH, h->data, h->len, &h->o, NULL);

        if (err == -EBUSY || err == -EAGAIN)
            break;
        if (!err)
            p->rx_packets++;
        held_drop_first(p);
    }
    vif_back_rx_flush(p->vif);
}

static void deliver_to(struct swswitch *s, struct swport *p, struct wire_frame *w)
{
    enum sv_vlan_verdict verdict = port_egress(p, w);
    const void *frame = w->frame;
    size_t len = w->len;
    int err;

    if (verdict == SV_VLAN_DROP)
        return;
    if (verdict == SV_VLAN_UNTAG) {
        if (!w->untagged) {
            memcpy(s->untagged, w->frame, 12);
            memcpy(s->untagged + 12, w->frame + 12 + VLAN_HLEN, w->len - 12 - VLAN_HLEN);
            w->untagged = s->untagged;
        }
        frame = w->untagged;
        len = w->len - VLAN_HLEN;
    }
    /* A guest without posted buffers loses the frame; the vif picks its
     * queue by the frame's hash (pool 0 has no RSS for it).  One over its
     * receive rate waits, and so does every frame behind it. */
    if (p->nheld)
        hold(p, frame, len, w->o);
    else if ((err = vif_back_receive(p->vif, VIF_BACK_QUEUE_HASH, frame, len, w->o, NULL)) == 0)
        p->rx_packets++;
    else if (err == -EBUSY)
        hold(p, frame, len, w->o);
    vif_back_rx_flush(p->vif);
}

/* Delivers w to the switch's ports (but not to the sender, from): the port
 * of its destination MAC or, for a multicast, every port.  True when a
 * unicast found its port (it need not go out). */
static bool switch_deliver(struct swswitch *s, struct wire_frame *w, const struct swport *from)
{
    for (unsigned i = 0; i < SWSWITCH_PORTS; i++) {
        struct swport *p = &s->ports[i];

        if (!p->vif || p == from)
            continue;
        if (is_multicast(w->frame))
            deliver_to(s, p, w);
        else if (!memcmp(p->mac, w->frame, 6) && port_egress(p, w) != SV_VLAN_DROP) {
            deliver_to(s, p, w);
            return true;
        }
    }
    return false;
}

/* Frames pool 0 received: from the wire or another pool, for our MACs or all. */
static int switch_rx(void *ctx, const void *frame, size_t len, const struct pf_rx_meta *m)
{
    struct wire_frame w = {frame, len, sv_vlan_of_frame(frame, len), NULL, &m->o};

    if (len >= ETH_HLEN)
        switch_deliver(ctx, &w, NULL);
    return 0;
}

struct swswitch *swswitch_new(struct pf *pf)
{
    struct swswitch *s = calloc(1, sizeof(*s));

    if (s)
        s->pf = pf;
    return s;
}

void swswitch_free(struct swswitch *s)
{
    for (unsigned i = 0; s && i < SWSWITCH_PORTS; i++)
        held_clear(&s->ports[i]);
    free(s);
}

/* Pool 0 sent frames after a vif found no TX buffer: each goes on. */
static void switch_tx_room(void *ctx)
{
    struct swswitch *s = ctx;

    for (unsigned i = 0; i < SWSWITCH_PORTS; i++)
        if (s->ports[i].vif)
            vif_back_poll(s->ports[i].vif);
}

/* The VLAN of the NIC filter that steers p's MAC to pool 0 (0: any): a
 * trunk's frames come on several. */
static uint16_t filter_vlan(const struct swport *p)
{
    return sv_vlan_set_empty(&p->trunk) ? p->vlan : 0;
}

/* Pool 0 carries tagged every VLAN a port is on (the NIC's rule holds for
 * it too); programmed only when that changes. */
static int update_pool_vlans(struct swswitch *s)
{
    struct sv_vlan_set all = {0};
    int err;

    for (unsigned i = 0; i < SWSWITCH_PORTS; i++) {
        if (!s->ports[i].vif)
            continue;
        sv_vlan_set_add(&all, s->ports[i].vlan);
        sv_vlan_set_union(&all, &s->ports[i].trunk);
    }
    if (!memcmp(&all, &s->pool_vlans, sizeof(all)))
        return 0;
    err = pf_pool_trunk(s->pool, &all);
    if (!err)
        s->pool_vlans = all;
    return err;
}

int swswitch_attach(struct swswitch *s, struct vif_back *v, const uint8_t mac[6])
{
    struct swport *p = NULL;
    int err;

    for (unsigned i = 0; !p && i < SWSWITCH_PORTS; i++)
        if (!s->ports[i].vif)
            p = &s->ports[i];
    if (!p)
        return -ENOSPC;
    if (!s->pool) {
        if (!(s->pool = pf_switch_pool(s->pf, switch_rx, s)))
            return -EIO;
        pf_pool_set_tx_room(s->pool, switch_tx_room);
    }
    *p = (struct swport){.vif = v, .vlan = vif_back_vlan(v), .trunk = *vif_back_trunk(v)};
    memcpy(p->mac, mac, 6);
    err = pf_switch_add(s->pf, mac, filter_vlan(p));
    if (!err && (err = update_pool_vlans(s)) < 0)
        pf_switch_del(s->pf, mac, filter_vlan(p));
    if (err)
        *p = (struct swport){0};
    return err;
}

void swswitch_detach(struct swswitch *s, struct vif_back *v)
{
    for (unsigned i = 0; i < SWSWITCH_PORTS; i++)
        if (s->ports[i].vif == v) {
            pf_switch_del(s->pf, s->ports[i].mac, filter_vlan(&s->ports[i]));
            held_clear(&s->ports[i]);
            s->ports[i] = (struct swport){0};
        }
    /* A VLAN nobody is on any more just stays programmed when this fails. */
    if (s->pool)
        update_pool_vlans(s);
}

void *swswitch_tx_buffer(struct swswitch *s, struct vif_back *v, size_t *cap)
{
    /* Room for the tag a VLAN port's frames get on their way out. */
    size_t tag = vif_back_vlan(v) ? VLAN_HLEN : 0;
    void *buf = s->pool ? pf_pool_tx_buffer(s->pool, *cap + tag, cap) : NULL;

    if (buf)
        *cap -= tag;
    return buf;
}

int swswitch_transmit(struct swswitch *s, struct vif_back *v, void *buf, size_t len,
                      const struct netif_offload *o, unsigned cmd, uint16_t mss, uint8_t hdr_len)
{
    uint8_t *frame = buf;
    struct swport *from = NULL;
    enum sv_vlan_verdict verdict;
    struct wire_frame w;

    for (unsigned i = 0; i < SWSWITCH_PORTS && !from; i++)
        if (s->ports[i].vif == v)
            from = &s->ports[i];
    if (!from || len < ETH_HLEN)
        return -EINVAL;
    /* A foreign source MAC, or a tag it may not send. */
    verdict = sv_vlan_ingress(from->vlan, &from->trunk, sv_vlan_of_frame(frame, len));
    if (memcmp(frame + 6, from->mac, 6) || verdict == SV_VLAN_DROP) {
        from->tx_spoofed++;
        return -EPERM;
    }
    from->tx_packets++;
    if (verdict == SV_VLAN_TAG) {
        pktparse_vlan_insert(frame, len, from->vlan);
        len += VLAN_HLEN;
        if (cmd & XNIC_TXD_TSO)
            hdr_len += VLAN_HLEN;
    }
    w = (struct wire_frame){frame, len, sv_vlan_of_frame(frame, len), NULL, o};
    /* Both ends on the switch: the NIC would send it to the wire. */
    if (switch_deliver(s, &w, from))
        return 0;
    return pf_pool_tx_submit(s->pool, buf, len, cmd, mss, hdr_len);
}

void swswitch_flush(struct swswitch *s)
{
    if (s->pool)
        pf_pool_tx_kick(s->pool);
}

void swswitch_rx_ready(struct swswitch *s, struct vif_back *v)
{
    for (unsigned i = 0; i < SWSWITCH_PORTS; i++)
        if (s->ports[i].vif == v && s->ports[i].nheld)
            held_release(&s->ports[i]);
    if (s->pool)
        pf_pool_rx_retry(s->pool);
}

void swswitch_publish(struct swswitch *s)
{
    for (unsigned i = 0; i < SWSWITCH_PORTS; i++) {
        char value[96];
        struct swport *p = &s->ports[i];

        if (!p->vif)
            continue;
        snprintf(value, sizeof(value), "rx %llu tx %llu spoofed %llu",
                 (unsigned long long)p->rx_packets, (unsigned long long)p->tx_packets,
                 (unsigned long long)p->tx_spoofed);
        vif_back_publish(p->vif, SV_XS_SWITCH_COUNTERS, value);
    }
}
