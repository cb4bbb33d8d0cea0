/*
 * xnic L2 classifier: the filter table (MAC, VLAN) -> vports, each vport's
 * primary MAC, port VLAN and accept flags, and the default pool.  Pure logic,
 * no I/O: the device core asks it where a frame goes.
 *
 * A vport is a pool of the PF (0 .. pools-1) or a VF (pools + n); sets of
 * vports are uint64_t bit masks.
 */
#ifndef XNIC_FILTER_H
#define XNIC_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/vlan.h"
#include "sv/abi/xnic.h"

#define XNIC_MAX_VPORTS (XNIC_MAX_POOLS + XNIC_MAX_VFS)

struct xnic_vport_cfg {
    uint8_t mac[6];  /* primary MAC, all zero: none */
    uint16_t pvid;   /* port VLAN, 0: none */
    uint32_t flags;  /* XNIC_VPF_* */
    uint32_t weight; /* a VF's TX weight (0: 1); the classifier does not use it */
};

struct xnic_filter {
    uint8_t mac[6];
    uint16_t vlan; /* VID or XNIC_VLAN_ANY */
    uint64_t vports;
};

struct xnic_classifier {
    unsigned nvports;
    unsigned default_vport;
    unsigned nfilters; /* used entries, packed at the front */
    struct xnic_filter filters[XNIC_MAX_FILTERS];
    struct xnic_vport_cfg vport[XNIC_MAX_VPORTS];
    struct sv_vlan_set trunk[XNIC_MAX_VPORTS]; /* VLANs each vport carries tagged */
};

/* Empty table for nvports vports (<= XNIC_MAX_VPORTS); default vport 0. */
void xnic_cls_init(struct xnic_classifier *c, unsigned nvports);

/* Adds vport to the entry (mac, vlan), creating it.  -EINVAL on a bad vport
 * or VLAN, -ENOSPC when the table is full. */
int xnic_cls_filter_add(struct xnic_classifier *c, const uint8_t mac[6], uint16_t vlan,
                        unsigned vport);
/* Removes vport from (mac, vlan); the entry goes when no vport is left.
 * -ENOENT when vport was not in it. */
int xnic_cls_filter_del(struct xnic_classifier *c, const uint8_t mac[6], uint16_t vlan,
                        unsigned vport);
/* Removes vport from every entry. */
void xnic_cls_forget_vport(struct xnic_classifier *c, unsigned vport);

/* Sets a vport's primary MAC / port VLAN / flags.  -EINVAL on a bad vport or pvid. */
int xnic_cls_vport_set(struct xnic_classifier *c, unsigned vport, const struct xnic_vport_cfg *cfg);
/* Sets the VLANs a vport carries tagged (sv/vlan.h's trunk set).  -EINVAL on a bad vport. */
int xnic_cls_vport_trunk(struct xnic_classifier *c, unsigned vport,
                         const struct sv_vlan_set *trunk);
/* Whether a frame on VLAN vid (sv_vlan_of_frame()) may reach vport. */
bool xnic_cls_admits(const struct xnic_classifier *c, unsigned vport, uint16_t vid);
int xnic_cls_set_default(struct xnic_classifier *c, unsigned vport);

/*
 * The vports that accept a frame to dst on VLAN vid (sv_vlan_of_frame(): 0
 * untagged).  Broadcast goes to vports with XNIC_VPF_BCAST, multicast to
 * filter matches and XNIC_VPF_ALLMULTI vports, unicast to filter and
 * primary-MAC matches.  A vport only accepts frames of its VLANs
 * (sv_vlan_egress(): the untagged LAN without a port VLAN, the port VLAN
 * with one, and its trunk set).  *unicast_miss is set when a unicast frame
 * matched nothing (the caller picks the default pool or the wire).
 */
uint64_t xnic_classify(const struct xnic_classifier *c, const uint8_t dst[6], uint16_t vid,
                       bool *unicast_miss);

static inline bool xnic_mac_is_multicast(const uint8_t mac[6])
{
    return mac[0] & 1;
}

static inline bool xnic_mac_is_zero(const uint8_t mac[6])
{
    return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

#endif
