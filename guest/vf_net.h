/*
 * A guest's network interface on an SR-IOV VF assigned to it (direct
 * assignment, docs/networking.md): the VF's queue pair driven with the xnic
 * driver library, rings and buffers in the guest's own RAM (IOVA =
 * guest-physical), relayed to TAP vfN in the guest's namespace, which
 * carries the MAC the PF owner gave the VF.  The driver domain is not on
 * the path.
 */
#ifndef FRONTENDS_VF_NET_H
#define FRONTENDS_VF_NET_H

#include <stddef.h>

struct event_base;
struct vf_net;

/*
 * Opens the VF bdf (assigned to this domain), starts its queue pair with
 * rings and buffers in ram[0 .. VF_NET_RAM_SIZE) at IOVA iova, sets the
 * VF's MAC on TAP ifname (made by the toolstack, owned by our uid) and
 * relays between them.  NULL (logged) on failure.
 */
#define VF_NET_RAM_SIZE (2u << 20)
struct vf_net *vf_net_new(struct event_base *base, const char *bdf, const char *ifname, void *ram,
                          unsigned long long iova);
void vf_net_free(struct vf_net *v);

#endif
