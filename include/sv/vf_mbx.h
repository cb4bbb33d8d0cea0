/*
 * The PF owner's side of the PF <-> VF mailbox messages (sv/abi/xnic.h,
 * docs/xnic.md "Mailbox messages"): what a VF may ask its PF owner, checked
 * against what the toolstack gave it, and the notices the owner sends.  No
 * I/O: the NIC's filters and the VF's configuration are reached through
 * struct vf_mbx_ops, so the policy is tested without a NIC.
 */
#ifndef SV_VF_MBX_H
#define SV_VF_MBX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/abi/xnic.h"

/* What the PF owner holds for one VF. */
struct vf_mbx_vf {
    unsigned vf;
    bool trusted;
    uint8_t mac[6];
    uint16_t pvid;
    uint8_t mcast[XNIC_MBX_MCAST_MAX][6]; /* filters we added for it */
    unsigned nmcast;
};

struct vf_mbx_ops {
    /* A multicast filter of mac to the VF, or its removal: 0 or -errno. */
    int (*mcast)(void *ctx, unsigned vf, const uint8_t mac[6], bool add);
    /* A trusted VF's new primary MAC (s->mac is already the new one). */
    int (*set_mac)(void *ctx, const struct vf_mbx_vf *s);
    /* A trusted VF's VLAN vid carried tagged, or no longer. */
    int (*set_vlan)(void *ctx, const struct vf_mbx_vf *s, uint16_t vid, bool add);
    /* The VF's link in Mb/s, 0 when down. */
    uint32_t (*link_mbps)(void *ctx, const struct vf_mbx_vf *s);
};

/*
 * Handles a message of len bytes from VF s: true with *reply to send back,
 * false when it needs none (a reply of the VF's own: not ours to answer).
 * Whatever the VF sent gets a status: -EINVAL for a short or malformed
 * request, -EOPNOTSUPP for an unknown type, -EPERM for a MAC or VLAN from
 * an untrusted VF.
 */
bool vf_mbx_handle(struct vf_mbx_vf *s, const void *msg, size_t len, const struct vf_mbx_ops *ops,
                   void *ctx, struct xnic_mbx_msg *reply);
/* A notice to VF s (XNIC_MBX_RESET or XNIC_MBX_LINK) with what holds now. */
void vf_mbx_notice(const struct vf_mbx_vf *s, uint16_t type, const struct vf_mbx_ops *ops,
                   void *ctx, struct xnic_mbx_msg *out);
/* Removes the multicast filters the VF asked for (it is released). */
void vf_mbx_forget(struct vf_mbx_vf *s, const struct vf_mbx_ops *ops, void *ctx);

#endif
