/*
 * The owner of a PF configures its VFs for the toolstack (docs/networking.md,
 * "Who configures a VF"): netdd, or the host's PF driver (hostpf) when no
 * driver domain holds the PF.  Each backend/vf/F/N directory under the
 * owner's home (/local/domain/<owner>) asks for VF "vf" to get "mac", "vlan",
 * "trunk" (a teamed VF: its vif's tagged VLANs), "spoofchk" and "trust";
 * netdd gives them (VPORT_CONFIG, VLAN_SET) and
 * answers state = 4 (Connected), or "error" and state = 6.  Told 5
 * (Closing, the toolstack detaching the VF) it answers 6; a directory
 * removed takes its configuration back; one rewritten (detached and
 * attached again) is given again, at once.  A new netdd finds the
 * directories and gives the configuration again (its PF reset cleared it).
 *
 * Failover: a VF teamed with the guest's vif D ("failover" = D) is
 * configured STANDBY (the NIC delivers it nothing) except while the guest
 * drives it (its device/vf/N says 4) and its own directory is Connected;
 * meanwhile the vif (backend/vif/F/D) stands by instead.  STANDBY moves
 * with two admin commands, so the NIC delivers every frame to one path.
 * The host's standby() callback does the pool's part.  "link-state"
 * (auto, enable, disable: Linux's `ip link set PF vf N state`) is the
 * VF's link as its driver hears it (mailbox LINK notices); a disabled
 * teamed VF stands by and its vif carries the traffic.  A guest's own
 * state is followed at most 5 times a second (after a burst of 4 at
 * once): one toggling it cannot make netdd or the NIC do unbounded work.
 */
#ifndef SV_VF_CONFIG_H
#define SV_VF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct sv_vlan_set;
struct xnic_drv;
struct xs_handle;
struct vf_config;

/* vif_dir (a backend/vif/F/D of ours) becomes a standby (false when it
 * cannot: the VF then stays unused), or stops being one. */
typedef bool vf_config_standby_fn(void *ctx, const char *vif_dir, bool standby);

/* Watches <home>/backend/vf and serves what is there, on the PF pf (an
 * owner whose admin commands are queued has them run first: the calls
 * here wait for the NIC's verdict).  base: for the timers of the rates.
 * standby NULL: the owner serves no vifs, and a teamed request is refused.
 * NULL (logged) on failure. */
struct vf_config *vf_config_new(struct event_base *base, struct xs_handle *xs, struct xnic_drv *pf,
                                const char *home, vf_config_standby_fn *standby, void *ctx);
void vf_config_free(struct vf_config *c);
/* A watch event (token, path) of ours (true: taken; false: not ours).  A
 * change of the requests is acted on at the next turn of base's loop, once
 * for every event taken until then. */
bool vf_config_event(struct vf_config *c, const char *token, const char *path);
/* Watch events on the owner's handle were dropped (xs_watch_overflow()):
 * every request is read again, all of it, and what changed unseen (a
 * request new, gone, rewritten, its state or link) is applied. */
void vf_config_resync(struct vf_config *c);
/* The PF's misc vector fired with causes icr (xnic_drv_take_icr): a link
 * change is told to every VF whose link follows the wire's, and the VFs'
 * mailbox messages are answered from what the toolstack gave them
 * (sv/vf_mbx.h; a VF with no request gets -ENODEV), at most 20 a second a
 * VF after a burst of 8: the rest wait in the VF's box, which holds one. */
void vf_config_misc(struct vf_config *c, uint32_t icr);
/* Whether vif_dir is a standby now (a vif that connects asks). */
bool vf_config_standby(const struct vf_config *c, const char *vif_dir);

/* A VF's vport on PF pf, as Linux's `ip link set PF vf N mac M vlan V
 * spoofchk on` sets it: its primary MAC (zero: none), port VLAN (0: none),
 * XNIC_VPF_* flags and the VLANs it carries tagged (NULL: none, an access
 * port).  0 or -errno (-EINVAL: no such VF). */
int vf_pf_config(struct xnic_drv *pf, unsigned vf, const uint8_t mac[6], uint16_t vlan,
                 uint32_t flags, const struct sv_vlan_set *trunk);
/* Frames for multicast mac to VF vf too (add), or no longer. */
int vf_pf_mcast(struct xnic_drv *pf, unsigned vf, const uint8_t mac[6], bool add);
/* The wire's speed in Mb/s, 0 while its link is down. */
uint32_t vf_pf_link_mbps(const struct xnic_drv *pf);

#endif
