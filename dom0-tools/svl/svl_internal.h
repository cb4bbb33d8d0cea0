/*
 * libsvl's own: what its files share and its API (sv/svl.h) does not
 * offer.
 */
#ifndef SVL_INTERNAL_H
#define SVL_INTERNAL_H

#include "sv/svl.h"

/* Adds a line to ctx->error; returns err (a -errno) for `return svl_fail(...)`. */
int svl_fail(struct svl_ctx *ctx, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* svl_fail() of a description's error (file, line, field). */
int svl_config_fail(struct svl_ctx *ctx, int err, const struct config_error *cerr);
/* Tells the front end (ctx->log), when it listens. */
void svl_log(struct svl_ctx *ctx, enum svl_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* domain.c: the hypervisor's and xenstore's name of domid (no more: the
 * monitor keeps a dead domain under another name this way). */
int svl_domain_set_name(struct svl_ctx *ctx, uint32_t domid, const char *name);

/* userdata.c */
void svl_userdata_remove(uint32_t domid);

/* Writes path = value, owned by owner and readable by reader (home.c). */
bool svl_xs_put(struct xs_handle *h, xs_transaction_t t, const char *path, const char *value,
                uint32_t owner, uint32_t reader);
/* home.c: the domain's xenstore home, as libxl writes it, and XS_INTRODUCE. */
int svl_home_create(struct svl_ctx *ctx, const struct domain_config *cfg, uint32_t domid);
void svl_home_remove(uint32_t domid);
/* Writes reason ("poweroff", "reboot") to control/shutdown if the domain
 * watches it (control/feature-REASON). */
bool svl_home_request_shutdown(uint32_t domid, const char *reason);

/* vif.c: a vif's frontend, backend and toolstack directories in xenstore. */
int svl_vif_add(struct svl_ctx *ctx, uint32_t domid, const struct config_vif *vif);
int svl_vif_remove(uint32_t domid, unsigned devid);
/* Removes the backend directories of domid's vifs, a domain that is gone: no
 * handshake; svl_home_remove() removes the rest of them. */
void svl_vif_remove_all(uint32_t domid);
/* Domain `name` (b) came up: re-create the backend directory of every
 * running guest's vif that names it, and point the frontends at it. */
void svl_vif_replug_backend(struct svl_ctx *ctx, const char *name, uint32_t b);
/* Domain b went: the vifs it served point at no backend. */
void svl_vif_orphan_backend(uint32_t b);
/* The "trunk" key's value: VIDs "42,43" (buf of SVL_TRUNK_SIZE). */
#define SVL_TRUNK_SIZE (CONFIG_MAX_TRUNK * 5 + 1)
void svl_trunk_string(const uint16_t *trunk, unsigned n, char buf[SVL_TRUNK_SIZE]);
/* Removes the directory that held path (a backend's .../vif/F or .../vf/F)
 * once empty. */
void svl_remove_parent_if_empty(struct xs_handle *h, const char *path);
/* Every node under dir owned by owner and readable by reader (a guest's
 * own keys were created readable by the backend of the time). */
void svl_chmod_tree(struct xs_handle *h, const char *dir, uint32_t owner, uint32_t reader);

/* pci.c: the host's PF driver (hostpf) for PF bdf, started unless one
 * runs; 0 once it serves, or -errno (said). */
int svl_hostpf_start(struct svl_ctx *ctx, const char *bdf);

/* guestnet.c: TAP ethD in the domain's namespace for vif D (its hardware). */
int svl_guestnet_plumb(struct svl_ctx *ctx, uint32_t domid, const char *name,
                       const struct config_vif *vif);
void svl_guestnet_unplumb(struct svl_ctx *ctx, const char *name, unsigned devid);
/* TAP vfN for the guest's VF interface N (its VF driver turns on vnet
 * headers and offloads when it attaches). */
int svl_guestnet_plumb_vf(struct svl_ctx *ctx, uint32_t domid, const char *name, unsigned devid);
void svl_guestnet_unplumb_vf(struct svl_ctx *ctx, const char *name, unsigned devid);
/* Names running domid's network namespace sv-<name> too (ip netns attach),
 * for a rename; svl_guestnet_forget removes the name sv-<name> if the
 * hypervisor did not (it deletes the one it created, at the end). */
int svl_guestnet_alias(struct svl_ctx *ctx, uint32_t domid, const char *name);
void svl_guestnet_forget(struct svl_ctx *ctx, const char *name);

/* vf.c: a VF as a guest's network interface.  svl_vf_plug has the PF's
 * owner configure pci, assigns it and makes its TAP and frontend directory;
 * 1 (nothing done) for a function that is not a VF; svl_vf_unplug tells the
 * PF owner and the guest (with tell) and removes them (the caller detaches
 * the function, before when it tells nobody);
 * svl_vf_remove_all removes them for a destroyed domain. */
int svl_vf_plug(struct svl_ctx *ctx, uint32_t domid, const char *name,
                const struct config_pci *pci);
void svl_vf_unplug(struct svl_ctx *ctx, uint32_t domid, const char *bdf, bool tell);
void svl_vf_remove_all(struct svl_ctx *ctx, uint32_t domid);
/* Makes the VF requests whose PF domain owner now drives (a restarted
 * driver domain) again under its home. */
void svl_vf_replug_owner(struct svl_ctx *ctx, uint32_t owner);

/* pci.c: assigns bdf to domid (said); takes it back (unsaid).  take_over:
 * a PF its dead owner left parked keeps its switch (a successor driver
 * domain, docs/networking.md); otherwise it is reset. */
int svl_pci_assign(struct svl_ctx *ctx, uint32_t domid, const char *bdf, bool take_over);
int svl_pci_deassign(struct svl_ctx *ctx, uint32_t domid, const char *bdf);
/* Assigns pci to domid: a VF as a network interface, anything else as a
 * plain function (take_over as svl_pci_assign's). */
int svl_pci_plug(struct svl_ctx *ctx, uint32_t domid, const char *name,
                 const struct config_pci *pci, bool take_over);

/* standby.c: a driver domain's warm standby (driver_domain_standby).
 * svl_standby_check refuses a description that cannot have one (file for
 * the error); svl_standby_create starts NAME-standby for active (unless it
 * has one);
 * svl_standby_activate gives the standby of cfg's domain (dead) its PCI
 * functions, tells it to serve and re-plugs the guests' VFs and vifs to
 * it: 0 and its domid, -ENOENT when there is none, another -errno (said;
 * the standby destroyed) when it could not; once the dead domain is
 * destroyed, svl_standby_takeover gives it the name and the description
 * (-errno said, the standby destroyed). */
int svl_standby_check(const struct domain_config *cfg, struct config_error *cerr, const char *file);
int svl_standby_create(struct svl_ctx *ctx, const struct domain_config *active);
int svl_standby_activate(struct svl_ctx *ctx, const struct domain_config *cfg, uint32_t *domid);
int svl_standby_takeover(struct svl_ctx *ctx, const struct domain_config *cfg, uint32_t domid);

#endif
