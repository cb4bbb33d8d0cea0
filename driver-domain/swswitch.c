/* The driver domain's software L2 switch on the default pool (see swswitch.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf.h"
#include "sv/log.h"
#include "sv/netif_offload.h"
#include "swswitch.h"
#include "sv/vif_back.h"

#define SWSWITCH_PORTS 64

struct swport {
    struct vif_back *vif; /* NULL: free */
    uint8_t mac[6];
    uint64_t rx_packets, tx_packets, tx_spoofed;
};

struct swswitch {
    struct pf *pf;
    struct pf_pool *pool;
    struct swport ports[SWSWITCH_PORTS];
};

static bool is_multicast(const uint8_t *dst)
{
    return dst[0] & 1; /* broadcast included */
}

static struct swport *port_of_mac(struct swswitch *s, const uint8_t *mac)
{
    for (unsigned i = 0; i < SWSWITCH_PORTS; i++)
        if (s->ports[i].vif && !memcmp(s->ports[i].mac, mac, 6))
            return &s->ports[i];
    return NULL;
}

/* Delivers to one port; a guest without posted buffers loses the frame. */
static void deliver(struct swport *p, const void *frame, size_t len, const struct netif_offload *o)
{
    if (vif_back_receive_offload(p->vif, frame, len, o) == 0)
        p->rx_packets++;
    vif_back_rx_flush(p->vif);
}

/* Frames pool 0 received: from the wire or another pool, for our MACs or all. */
static int switch_rx(void *ctx, const void *frame, size_t len, uint16_t status)
{
    struct swswitch *s = ctx;
    const uint8_t *dst = frame;
    struct netif_offload o = {.data_validated = vif_back_nic_validated(status)};
    struct swport *p;

    if (len < 14)
        return 0;
    if (!is_multicast(dst)) {
        if ((p = port_of_mac(s, dst)))
            deliver(p, frame, len, &o);
        return 0;
    }
    for (unsigned i = 0; i < SWSWITCH_PORTS; i++)
        if (s->ports[i].vif)
            deliver(&s->ports[i], frame, len, &o);
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
    err = pf_switch_add(s->pf, mac);
    if (err)
        return err;
    *p = (struct swport){.vif = v};
    memcpy(p->mac, mac, 6);
    return 0;
}

void swswitch_detach(struct swswitch *s, struct vif_back *v)
{
    for (unsigned i = 0; i < SWSWITCH_PORTS; i++)
        if (s->ports[i].vif == v) {
            pf_switch_del(s->pf, s->ports[i].mac);
            s->ports[i] = (struct swport){0};
        }
}

void *swswitch_tx_buffer(struct swswitch *s, size_t *cap)
{
    return s->pool ? pf_pool_tx_buffer(s->pool, *cap, cap) : NULL;
}

int swswitch_transmit(struct swswitch *s, struct vif_back *v, void *buf, size_t len,
                      const struct netif_offload *o, unsigned cmd, uint16_t mss, uint8_t hdr_len)
{
    const uint8_t *frame = buf;
    struct swport *from = NULL, *to;

    for (unsigned i = 0; i < SWSWITCH_PORTS && !from; i++)
        if (s->ports[i].vif == v)
            from = &s->ports[i];
    if (!from || len < 14)
        return -EINVAL;
    if (memcmp(frame + 6, from->mac, 6)) {
        from->tx_spoofed++;
        return -EPERM; /* the source MAC is not the vif's */
    }
    from->tx_packets++;
    if (!is_multicast(frame)) {
        to = port_of_mac(s, frame);
        if (to) { /* both ends on the switch: the NIC would send it to the wire */
            deliver(to, frame, len, o);
            return 0;
        }
    } else {
        for (unsigned i = 0; i < SWSWITCH_PORTS; i++)
            if (s->ports[i].vif && &s->ports[i] != from)
                deliver(&s->ports[i], frame, len, o);
    }
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
