/*
 * netdd as the owner of the PF configures its VFs for the toolstack
 * (docs/networking.md, "Who configures a VF"): each backend/vf/F/N
 * directory under netdd's home asks for VF "vf" to get "mac", "vlan",
 * "spoofchk" and "trust"; netdd gives them (VPORT_CONFIG, VLAN_SET) and
 * answers state = 4 (Connected), or "error" and state = 6.  A directory
 * removed takes its configuration back.  A new netdd finds the directories
 * and gives the configuration again (its PF reset cleared it).
 */
#ifndef NETDD_VF_CONFIG_H
#define NETDD_VF_CONFIG_H

#include <stdbool.h>

struct pf;
struct xs_handle;
struct vf_config;

/* Watches <home>/backend/vf (home: /local/domain/<netdd>) and serves what
 * is there.  NULL (logged) on failure. */
struct vf_config *vf_config_new(struct xs_handle *xs, struct pf *pf, const char *home);
void vf_config_free(struct vf_config *c);
/* A watch event of ours (true: taken; false: not ours). */
bool vf_config_event(struct vf_config *c, const char *token);

#endif
