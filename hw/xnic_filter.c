/*
 * xnic L2 classifier: filter table upkeep and the per-frame lookup that sorts
 * received and switched frames into vports (see xnic_filter.h).
 */
#include <errno.h>
#include <string.h>

#include "xnic_filter.h"

#define VID_MAX 4094u

void xnic_cls_init(struct xnic_classifier *c, unsigned nvports)
{
    memset(c, 0, sizeof(*c));
    c->nvports = nvports > XNIC_MAX_VPORTS ? XNIC_MAX_VPORTS : nvports;
}

static bool vlan_valid(uint16_t vlan)
{
    return vlan == XNIC_VLAN_ANY || (vlan >= 1 && vlan <= VID_MAX);
}

static struct xnic_filter *find(struct xnic_classifier *c, const uint8_t mac[6], uint16_t vlan)
{
    for (unsigned i = 0; i < c->nfilters; i++) {
        struct xnic_filter *f = &c->filters[i];

        if (f->vlan == vlan && !memcmp(f->mac, mac, 6))
            return f;
    }
    return NULL;
}

int xnic_cls_filter_add(struct xnic_classifier *c, const uint8_t mac[6], uint16_t vlan,
                        unsigned vport)
{
    struct xnic_filter *f;

    if (vport >= c->nvports || !vlan_valid(vlan) || xnic_mac_is_zero(mac))
        return -EINVAL;
    f = find(c, mac, vlan);
    if (!f) {
        if (c->nfilters == XNIC_MAX_FILTERS)
            return -ENOSPC;
        f = &c->filters[c->nfilters++];
        memcpy(f->mac, mac, 6);
        f->vlan = vlan;
        f->vports = 0;
    }
    f->vports |= 1ull << vport;
    return 0;
}

/* Keeps used entries packed so that lookups scan only those. */
static void drop_entry(struct xnic_classifier *c, struct xnic_filter *f)
{
    *f = c->filters[--c->nfilters];
}

int xnic_cls_filter_del(struct xnic_classifier *c, const uint8_t mac[6], uint16_t vlan,
                        unsigned vport)
{
    struct xnic_filter *f;

    if (vport >= c->nvports)
        return -EINVAL;
    f = find(c, mac, vlan);
    if (!f || !(f->vports & (1ull << vport)))
        return -ENOENT;
    f->vports &= ~(1ull << vport);
    if (!f->vports)
        drop_entry(c, f);
    return 0;
}

void xnic_cls_forget_vport(struct xnic_classifier *c, unsigned vport)
{
    unsigned i = 0;

    while (i < c->nfilters) {
        struct xnic_filter *f = &c->filters[i];

        f->vports &= ~(1ull << vport);
        if (!f->vports)
            drop_entry(c, f); /* the moved-in entry is looked at next */
        else
            i++;
    }
}

int xnic_cls_vport_set(struct xnic_classifier *c, unsigned vport, const struct xnic_vport_cfg *cfg)
{
    if (vport >= c->nvports || cfg->pvid > VID_MAX || xnic_mac_is_multicast(cfg->mac))
        return -EINVAL;
    c->vport[vport] = *cfg;
    return 0;
}

int xnic_cls_vport_trunk(struct xnic_classifier *c, unsigned vport, const struct sv_vlan_set *trunk)
{
    if (vport >= c->nvports)
        return -EINVAL;
    c->trunk[vport] = *trunk;
    return 0;
}

bool xnic_cls_admits(const struct xnic_classifier *c, unsigned vport, uint16_t vid)
{
    return vport < c->nvports &&
           sv_vlan_egress(c->vport[vport].pvid, &c->trunk[vport], vid) != SV_VLAN_DROP;
}

int xnic_cls_set_default(struct xnic_classifier *c, unsigned vport)
{
    if (vport >= c->nvports)
        return -EINVAL;
    c->default_vport = vport;
    return 0;
}

static uint64_t vlan_admits(const struct xnic_classifier *c, uint16_t vid)
{
    uint64_t m = 0;

    for (unsigned v = 0; v < c->nvports; v++) {
        if (xnic_cls_admits(c, v, vid))
            m |= 1ull << v;
    }
    return m;
}

static uint64_t flagged(const struct xnic_classifier *c, uint32_t flag)
{
    uint64_t m = 0;

    for (unsigned v = 0; v < c->nvports; v++) {
        if (c->vport[v].flags & flag)
            m |= 1ull << v;
    }
    return m;
}

static uint64_t filter_match(const struct xnic_classifier *c, const uint8_t dst[6], uint16_t vid)
{
    uint64_t m = 0;

    for (unsigned i = 0; i < c->nfilters; i++) {
        const struct xnic_filter *f = &c->filters[i];

        if ((f->vlan == XNIC_VLAN_ANY || f->vlan == vid) && !memcmp(f->mac, dst, 6))
            m |= f->vports;
    }
    return m;
}

static uint64_t primary_match(const struct xnic_classifier *c, const uint8_t dst[6])
{
    uint64_t m = 0;

    if (xnic_mac_is_zero(dst)) /* zero is "no primary MAC", never an address */
        return 0;
    for (unsigned v = 0; v < c->nvports; v++) {
        if (!memcmp(c->vport[v].mac, dst, 6))
            m |= 1ull << v;
    }
    return m;
}

static bool is_broadcast(const uint8_t mac[6])
{
    return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

uint64_t xnic_classify(const struct xnic_classifier *c, const uint8_t dst[6], uint16_t vid,
                       bool *unicast_miss)
{
    uint64_t m;

    *unicast_miss = false;
    if (is_broadcast(dst))
        m = flagged(c, XNIC_VPF_BCAST);
    else if (xnic_mac_is_multicast(dst))
        m = filter_match(c, dst, vid) | flagged(c, XNIC_VPF_ALLMULTI);
    else
        m = filter_match(c, dst, vid) | primary_match(c, dst);
    /* A standby takes nothing: its twin (the teamed VF or vif) has it. */
    m &= vlan_admits(c, vid) & ~flagged(c, XNIC_VPF_STANDBY);
    if (!m && !xnic_mac_is_multicast(dst))
        *unicast_miss = true;
    return m;
}
