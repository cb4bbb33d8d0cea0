/* A VF's vport as its PF's owner sets it, through libsvxnic (see sv/vf_config.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "sv/abi/xnic.h"
#include "sv/vf_config.h"
#include "sv/vlan.h"
#include "sv/xnic_drv.h"

struct vport_cmd {
    const uint8_t *mac;
    uint16_t vlan;
    uint32_t flags;
    const struct sv_vlan_set *trunk;
    bool add;
};

typedef int vport_fn(struct xnic_drv *pf, unsigned vport, const struct vport_cmd *c);

/* fn on VF vf's vport (it follows the PF's pools), waited for after what
 * the owner queued: the toolstack's request (trusted, rare) and a VF's (at
 * its rate) are answered with the NIC's verdict. */
static int on_vport(struct xnic_drv *pf, unsigned vf, vport_fn *fn, const struct vport_cmd *c)
{
    const volatile uint8_t *regs = xnic_drv_regs(pf);
    bool queued;
    int err;

    if (vf >= *(const volatile uint32_t *)(regs + XNIC_REG_NUM_VFS))
        return -EINVAL;
    queued = xnic_drv_admin_queued(pf, false);
    err = fn(pf, xnic_drv_num_pools(pf) + vf, c);
    xnic_drv_admin_queued(pf, queued);
    return err;
}

static int config(struct xnic_drv *pf, unsigned vport, const struct vport_cmd *c)
{
    int err = xnic_drv_vport_config(pf, vport, c->mac, c->vlan, c->flags);

    /* Without a trunk an access port: a trunk set left by an earlier owner
     * goes (a VF reset keeps it). */
    return err ? err
               : xnic_drv_vport_trunk(pf, vport, c->trunk ? c->trunk : &(struct sv_vlan_set){0});
}

/* Any VLAN: the VF's own membership (its port VLAN) still decides. */
static int mcast(struct xnic_drv *pf, unsigned vport, const struct vport_cmd *c)
{
    return c->add ? xnic_drv_filter_add(pf, c->mac, XNIC_VLAN_ANY, vport)
                  : xnic_drv_filter_del(pf, c->mac, XNIC_VLAN_ANY, vport);
}

int vf_pf_config(struct xnic_drv *pf, unsigned vf, const uint8_t mac[6], uint16_t vlan,
                 uint32_t flags, const struct sv_vlan_set *trunk)
{
    return on_vport(pf, vf, config,
                    &(struct vport_cmd){.mac = mac, .vlan = vlan, .flags = flags, .trunk = trunk});
}

int vf_pf_mcast(struct xnic_drv *pf, unsigned vf, const uint8_t mac[6], bool add)
{
    return on_vport(pf, vf, mcast, &(struct vport_cmd){.mac = mac, .add = add});
}

uint32_t vf_pf_link_mbps(const struct xnic_drv *pf)
{
    const volatile uint8_t *regs = xnic_drv_regs(pf);

    return xnic_drv_link_up(pf) ? *(const volatile uint32_t *)(regs + XNIC_REG_LINK_SPEED) : 0;
}
