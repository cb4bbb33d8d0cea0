/* The driver domain's software L2 switch on the default pool (see swswitch.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf.h"
#include "sv/log.h"
#include "sv/netif_offload.h"
#include "sv/pktparse.h"
#include "sv/xnic.h"
#include "swswitch.h"
#include "sv/vif_back.h"

#define SWSWITCH_PORTS 64
#define ETH_HLEN        14
#define VLAN_HLEN       4

struct swport {
    struct vif_back *vif; /* NULL: free */
    uint8_t mac[6];
    uint16_t vlan; /* access port of this VLAN (frames tagged outside); 0: as they come */
    uint64_t rx_packets, tx_packets, tx_spoofed;
};

struct swswitch {
    struct pf *pf;
    struct pf_pool *pool;
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

static void deliver_to(struct swswitch *s, struct swport *p, struct wire_frame *w)
{
    const void *frame = w->frame;
    size_t len = w->len;

    if (p->vlan) {
        if (p->vlan != w->vlan)
            return;
        if (!w->untagged) {
            memcpy(s->untagged, w->frame, 12);
            memcpy(s->untagged + 12, w->frame + 12 + VLAN_HLEN, w->len - 12 - VLAN_HLEN);
            w->untagged = s->untagged;
        }
        frame = w->untagged;
        len = w->len - VLAN_HLEN;
    }
    /* A guest without posted buffers loses the frame; the vif picks its
     * queue by the frame's hash (pool 0 has no RSS for it). */
    if (vif_back_receive_offload(p->vif, VIF_BACK_QUEUE_HASH, frame, len, w->o) == 0)
        p->rx_packets++;
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
        else if (!memcmp(p->mac, w->frame, 6) && (!p->vlan || p->vlan == w->vlan)) {
            deliver_to(s, p, w);
            return true;
        }
    }
    return false;
}

/* Frames pool 0 received: from the wire or another pool, for our MACs or all. */
static int switch_rx(void *ctx, const void *frame, size_t len, uint16_t status,
                     const struct xnic_rx_wb *wb)
{
    struct netif_offload o = {.data_validated = vif_back_nic_validated(status)};
    struct wire_frame w = {frame, len, pktparse_vlan(frame, len), NULL, &o};

    (void)wb;
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

int swswitch_attach(struct swswitch *s, struct vif_back *v, const uint8_t mac[6])
{
    uint16_t vlan = vif_back_vlan(v);
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
    err = pf_switch_add(s->pf, mac, vlan);
    if (err)
        return err;
    *p = (struct swport){.vif = v, .vlan = vlan};
    memcpy(p->mac, mac, 6);
    return 0;
}

void swswitch_detach(struct swswitch *s, struct vif_back *v)
{
    for (unsigned i = 0; i < SWSWITCH_PORTS; i++)
        if (s->ports[i].vif == v) {
            pf_switch_del(s->pf, s->ports[i].mac, s->ports[i].vlan);
            s->ports[i] = (struct swport){0};
        }
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
    struct wire_frame w;

    for (unsigned i = 0; i < SWSWITCH_PORTS && !from; i++)
        if (s->ports[i].vif == v)
            from = &s->ports[i];
    if (!from || len < ETH_HLEN)
        return -EINVAL;
    /* A foreign source MAC, or a tag of its own on an access port. */
    if (memcmp(frame + 6, from->mac, 6) || (from->vlan && pktparse_vlan(frame, len))) {
        from->tx_spoofed++;
        return -EPERM;
    }
    from->tx_packets++;
    if (from->vlan) {
        pktparse_vlan_insert(frame, len, from->vlan);
        len += VLAN_HLEN;
        if (cmd & XNIC_TXD_TSO)
            hdr_len += VLAN_HLEN;
    }
    w = (struct wire_frame){frame, len, pktparse_vlan(frame, len), NULL, o};
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

void swswitch_rx_ready(struct swswitch *s)
{
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
        vif_back_publish(p->vif, "switch-counters", value);
    }
}
