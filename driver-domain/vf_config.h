/*
 * netdd as the owner of the PF configures its VFs for the toolstack
 * (docs/networking.md, "Who configures a VF"): each backend/vf/F/N
 * directory under netdd's home asks for VF "vf" to get "mac", "vlan",
 * "spoofchk" and "trust"; netdd gives them (VPORT_CONFIG, VLAN_SET) and
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
 * The host's standby() callback does the pool's part.  A guest's own
 * state is followed at most 5 times a second (after a burst of 4 at
 * once): one toggling it cannot make netdd or the NIC do unbounded work.
 */
#ifndef NETDD_VF_CONFIG_H
#define NETDD_VF_CONFIG_H

#include <stdbool.h>

struct event_base;
struct pf;
struct xs_handle;
struct vf_config;

/* vif_dir (a backend/vif/F/D of ours) becomes a standby (false when it
 * cannot: the VF then stays unused), or stops being one. */
typedef bool vf_config_standby_fn(void *ctx, const char *vif_dir, bool standby);

/* Watches <home>/backend/vf (home: /local/domain/<netdd>) and serves what
 * is there (base: for the timers of the state rate).  NULL (logged) on
 * failure. */
struct vf_config *vf_config_new(struct event_base *base, struct xs_handle *xs, struct pf *pf,
                                const char *home, vf_config_standby_fn *standby, void *ctx);
void vf_config_free(struct vf_config *c);
/* A watch event (token, path) of ours (true: taken; false: not ours). */
bool vf_config_event(struct vf_config *c, const char *token, const char *path);
/* Whether vif_dir is a standby now (a vif that connects asks). */
bool vf_config_standby(const struct vf_config *c, const char *vif_dir);

#endif
