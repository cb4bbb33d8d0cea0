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

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct vf_net;

/* A VF teamed with a vif (failover): it relays to the vif's packet socket
 * (ethD's far end) instead of a TAP of its own, frames with virtio headers
 * (checksum and TSO requests become the NIC's), and takes what programs
 * send on ethD from the vif (vf_net_xmit). */
struct vf_net_team {
    int sock;                /* the vif's queue 0 socket: written, never closed */
    void (*room)(void *ctx); /* vf_net_xmit said -EAGAIN and buffers came free */
    void *ctx;
};

/* The driver stopped (false) or started again (true) driving the VF on its
 * own: a reset it did not ask for (an FLR, a removal) disabled its queue,
 * seen within 10 ms, and its start again.  The guest says so to the PF
 * owner (device/vf/N/state), which moves a teamed VF's MAC to the vif and
 * back. */
typedef void vf_net_driving_fn(void *ctx, bool driving);

/*
 * Opens the VF bdf (assigned to this domain), starts its queue pair with
 * rings and buffers in ram[0 .. VF_NET_RAM_SIZE) at IOVA iova, and relays
 * between it and TAP ifname (made by the toolstack, owned by our uid; it
 * gets the VF's MAC) or, with team, the teamed vif's socket; driving (may
 * be NULL) is told of resets.  NULL (logged) on failure.
 */
#define VF_NET_RAM_SIZE (3u << 20)
struct vf_net *vf_net_new(struct event_base *base, const char *bdf, const char *ifname,
                          const struct vf_net_team *team, vf_net_driving_fn *driving,
                          void *driving_ctx, void *ram, unsigned long long iova);
/* Teamed: sends the frames waiting in fd (virtio header first), up to a
 * batch, while the VF is the active path (the PF owner gave it the MAC,
 * and its queue runs).
 * 0; -EAGAIN when out of buffers (team->room follows); -ENOTCONN when not
 * active. */
int vf_net_xmit(struct vf_net *v, int fd);
/* Frames already received are delivered first, then the VF is stopped. */
void vf_net_free(struct vf_net *v);

#endif
