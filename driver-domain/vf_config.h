/*
 * netdd as the owner of the PF configures its VFs for the toolstack
 * (docs/networking.md, "Who configures a VF"): each backend/vf/F/N
 * directory under netdd's home asks for VF "vf" to get "mac", "vlan",
 * "trunk" (a teamed VF: its vif's tagged VLANs), "spoofchk" and "trust";
 * netdd gives them (VPORT_CONFIG, VLAN_SET) and
 * answers state = 4 (Connected), or "error" and state = 6.  Told 5
 * (Closing, the toolstack detaching the VF) it answers 6; a directory
 * removed takes its configuration back.  A new netdd finds the directories
 * and gives the configuration again (its PF reset cleared it).
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
#ifndef NETDD_VF_CONFIG_H
#define NETDD_VF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct pf;
struct xs_handle;
struct vf_config;

/* vif_dir (a backend/vif/F/D of ours) becomes a standby (false when it
 * cannot: the VF then stays unused), or stops being one. */
typedef bool vf_config_standby_fn(void *ctx, const char *vif_dir, bool standby);

/* Watches <home>/backend/vf (home: /local/domain/<netdd>) and serves what
 * is there (base: for the timers of the state rate).  NULL (logged) on failure. */
struct vf_config *vf_config_new(struct event_base *base, struct xs_handle *xs, struct pf *pf,
                                const char *home, vf_config_standby_fn *standby, void *ctx);
void vf_config_free(struct vf_config *c);
/* A watch event (token, path) of ours (true: taken; false: not ours). */
bool vf_config_event(struct vf_config *c, const char *token, const char *path);
/* A mailbox message from VF vf (pf_mbx_fn): answered from what the
 * toolstack gave it (vf_mbx.h); a VF with no request gets -ENODEV. */
void vf_config_mbx(struct vf_config *c, unsigned vf, const void *msg, size_t len);
/* The wire's link changed: every VF whose link follows it is told. */
void vf_config_link(struct vf_config *c);
/* Whether vif_dir is a standby now (a vif that connects asks). */
bool vf_config_standby(const struct vf_config *c, const char *vif_dir);

#endif
