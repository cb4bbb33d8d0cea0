/* A VF's vport as its PF's owner sets it, through libsvxnic (see sv/vf_config.h). */
#include <errno.h>
#include <stdbool.h>

#include "sv/abi/xnic.h"
#include "sv/vf_config.h"
#include "sv/vlan.h"
#include "sv/xnic_drv.h"

/* The VF's vport follows the PF's pools. */
static int vport_of(struct xnic_drv *pf, unsigned vf, unsigned *vport)
{
    const volatile uint8_t *regs = xnic_drv_regs(pf);

    if (vf >= *(const volatile uint32_t *)(regs + XNIC_REG_NUM_VFS))
        return -EINVAL;
    *vport = xnic_drv_num_pools(pf) + vf;
    return 0;
}

int vf_pf_config(struct xnic_drv *pf, unsigned vf, const uint8_t mac[6], uint16_t vlan,
                 uint32_t flags, const struct sv_vlan_set *trunk)
{
    unsigned vport;
    bool queued;
    int err = vport_of(pf, vf, &vport);

    if (err)
        return err;
    /* The toolstack's (trusted, rare) request is answered with the NIC's
     * verdict: waited for, after what the owner queued. */
    queued = xnic_drv_admin_queued(pf, false);
    err = xnic_drv_vport_config(pf, vport, mac, vlan, flags);
    /* Without a trunk an access port: a trunk set left by an earlier owner
     * goes (a VF reset keeps it). */
    if (!err)
        err = xnic_drv_vport_trunk(pf, vport, trunk ? trunk : &(struct sv_vlan_set){0});
    xnic_drv_admin_queued(pf, queued);
    return err;
}

int vf_pf_mcast(struct xnic_drv *pf, unsigned vf, const uint8_t mac[6], bool add)
{
    unsigned vport;
    bool queued;
    int err = vport_of(pf, vf, &vport);

    if (err)
        return err;
    /* The VF is answered with the NIC's verdict (a rate-limited wait), and
     * any VLAN: the VF's own membership (its port VLAN) still decides. */
    queued = xnic_drv_admin_queued(pf, false);
    err = add ? xnic_drv_filter_add(pf, mac, XNIC_VLAN_ANY, vport)
              : xnic_drv_filter_del(pf, mac, XNIC_VLAN_ANY, vport);
    xnic_drv_admin_queued(pf, queued);
    return err;
}

uint32_t vf_pf_link_mbps(const struct xnic_drv *pf)
{
    const volatile uint8_t *regs = xnic_drv_regs(pf);

    return xnic_drv_link_up(pf) ? *(const volatile uint32_t *)(regs + XNIC_REG_LINK_SPEED) : 0;
}
