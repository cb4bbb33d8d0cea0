/* The PF owner's side of the PF <-> VF mailbox messages (see vf_mbx.h). */
#include <errno.h>
#include <string.h>

#include "sv/vf_mbx.h"

static bool is_multicast(const uint8_t mac[6])
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

    return (mac[0] & 1) && memcmp(mac, bcast, 6);
}

static bool is_unicast(const uint8_t mac[6])
{
    static const uint8_t zero[6];

    return !(mac[0] & 1) && memcmp(mac, zero, 6);
}

static bool listed(const uint8_t (*list)[6], unsigned n, const uint8_t mac[6])
{
    for (unsigned i = 0; i < n; i++)
        if (!memcmp(list[i], mac, 6))
            return true;
    return false;
}

static void fill_config(const struct vf_mbx_vf *s, const struct vf_mbx_ops *ops, void *ctx,
                        struct xnic_mbx_config *c)
{
    memcpy(c->mac, s->mac, 6);
    c->pvid = s->pvid;
    c->link_mbps = ops->link_mbps(ctx, s);
    c->trusted = s->trusted;
}

/* The VF's new list replaces the old: filters no longer asked for go,
 * new ones come.  A filter the NIC refuses (its table is shared and full)
 * fails the request and leaves the list as far as it got. */
static int set_mcast(struct vf_mbx_vf *s, const struct xnic_mbx_mcast *m,
                     const struct vf_mbx_ops *ops, void *ctx)
{
    unsigned keep = 0;
    int err;

    if (m->count > XNIC_MBX_MCAST_MAX)
        return -E2BIG;
    for (unsigned i = 0; i < m->count; i++)
        if (!is_multicast(m->mac[i]))
            return -EINVAL;
    for (unsigned i = 0; i < s->nmcast; i++) {
        if (listed(m->mac, m->count, s->mcast[i]))
            memmove(s->mcast[keep++], s->mcast[i], 6);
        else
            ops->mcast(ctx, s->vf, s->mcast[i], false);
    }
    s->nmcast = keep;
    for (unsigned i = 0; i < m->count; i++) {
        if (listed(s->mcast, s->nmcast, m->mac[i]))
            continue;
        if ((err = ops->mcast(ctx, s->vf, m->mac[i], true)) < 0)
            return err;
        memcpy(s->mcast[s->nmcast++], m->mac[i], 6);
    }
    return 0;
}

static int set_mac(struct vf_mbx_vf *s, const struct xnic_mbx_mac *m, const struct vf_mbx_ops *ops,
                   void *ctx)
{
    uint8_t old[6];
    int err;

    if (!s->trusted)
        return -EPERM;
    if (!is_unicast(m->mac))
        return -EINVAL;
    memcpy(old, s->mac, 6);
    memcpy(s->mac, m->mac, 6);
    if ((err = ops->set_mac(ctx, s)) < 0)
        memcpy(s->mac, old, 6);
    return err;
}

static int set_vlan(struct vf_mbx_vf *s, const struct xnic_mbx_vlan *v,
                    const struct vf_mbx_ops *ops, void *ctx)
{
    if (!s->trusted)
        return -EPERM;
    if (v->vid < 1 || v->vid > 4094 || v->add > 1)
        return -EINVAL;
    return ops->set_vlan(ctx, s, v->vid, v->add);
}

bool vf_mbx_handle(struct vf_mbx_vf *s, const void *msg, size_t len, const struct vf_mbx_ops *ops,
                   void *ctx, struct xnic_mbx_msg *reply)
{
    struct xnic_mbx_msg m = {0};
    int status;

    /* Shorter than the header: nothing to answer to but the fact. */
    if (len < offsetof(struct xnic_mbx_msg, u)) {
        *reply = (struct xnic_mbx_msg){.type = XNIC_MBX_REPLY, .status = -EINVAL};
        return true;
    }
    memcpy(&m, msg, len < sizeof(m) ? len : sizeof(m));
    if (m.type & XNIC_MBX_REPLY)
        return false;
    *reply = (struct xnic_mbx_msg){.type = (uint16_t)(m.type | XNIC_MBX_REPLY)};
    /* A request's body must be all there: a short one is not read as zeros. */
    switch (m.type) {
    case XNIC_MBX_RESET:
        fill_config(s, ops, ctx, &reply->u.config);
        status = 0;
        break;
    case XNIC_MBX_SET_MCAST:
        status = len < sizeof(m) ? -EINVAL : set_mcast(s, &m.u.mcast, ops, ctx);
        break;
    case XNIC_MBX_SET_MAC:
        status = len < sizeof(m) ? -EINVAL : set_mac(s, &m.u.mac, ops, ctx);
        break;
    case XNIC_MBX_SET_VLAN:
        status = len < sizeof(m) ? -EINVAL : set_vlan(s, &m.u.vlan, ops, ctx);
        break;
    default: /* LINK is the PF's to send */
        status = -EOPNOTSUPP;
        break;
    }
    reply->status = status;
    return true;
}

void vf_mbx_notice(const struct vf_mbx_vf *s, uint16_t type, const struct vf_mbx_ops *ops,
                   void *ctx, struct xnic_mbx_msg *out)
{
    *out = (struct xnic_mbx_msg){.type = type};
    fill_config(s, ops, ctx, &out->u.config);
}

void vf_mbx_forget(struct vf_mbx_vf *s, const struct vf_mbx_ops *ops, void *ctx)
{
    while (s->nmcast)
        ops->mcast(ctx, s->vf, s->mcast[--s->nmcast], false);
}
