/*
 * SR-IOV VFs as guests' network interfaces (direct assignment,
 * docs/networking.md), in xenstore the way libxl writes devices:
 *   PF owner  /local/domain/B/backend/vf/F/N   B's, readable by F
 *             frontend, frontend-id, bdf, vf, mac, vlan, trunk (a teamed
 *             vif's tagged VLANs), spoofchk, trust,
 *             link-state (unless auto), state = 1; B (the domain driving the VF's PF) gives the VF
 *             that configuration and answers state = 4 (Connected), or
 *             error and state = 6 (Closed)
 *   frontend  /local/domain/F/device/vf/N      F's, readable by B
 *             backend, backend-id, bdf, mac, vlan, state = 1; the guest
 *             drives the VF and says 4; told 5 (Closing) it lets go and
 *             says 6
 *   toolstack /libxl/F/device/vf/N             frontend, backend, bdf
 * The PF owner configures the VF before the guest gets it, as `ip link set
 * PF vf N mac ... vlan ... spoofchk on trust on|off state ...` on Linux,
 * when the description gives a MAC, VLAN, trust or link state (otherwise
 * the request is only a record): a driver domain, or for a PF that is not
 * assignable the host, whose PF driver (hostpf, B = 0) libsvl starts.  The guest's
 * interface is TAP vfN in its namespace (guestnet.c).
 * A VF teamed with vif D (failover) has "failover" = D in both directories
 * and no TAP: the guest drives it under ethD.  While the guest says 4 the PF
 * owner delivers the MAC to the VF, not to the vif's pool.  A detach asks
 * the PF owner first (backend state 5: the pool gets the MAC back, it says
 * 6), then the guest, so frames reach one path or the other throughout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "sv/abi/xnic.h"
#include "sv/hcall.h"
#include "sv/xenbus.h"
#include "sv/abi/xs_net.h"
#include "svl_internal.h"

#define VF_MAX_FUNCS     128
#define VF_CONFIG_WAIT   5000 /* ms for the PF owner to configure a VF */
#define VF_RELEASE_WAIT  2000 /* ms for a guest to let go of one */
#define VF_HANDBACK_WAIT 1000 /* ms for the PF owner to give a vif's pool its MAC back */

struct vf_dev {
    uint32_t domid, backend;
    unsigned devid, vf;
    const struct config_pci *pci;
    char front[96], back[128], libxl[96];
};

/* The function bdf in the PCI table, and its PF's entry. */
static int find_funcs(struct svl_ctx *ctx, const char *bdf, struct sv_pci_func *fn,
                      struct sv_pci_func *pf)
{
    static struct sv_pci_func funcs[VF_MAX_FUNCS];
    int n = svl_pci_funcs(ctx, funcs, VF_MAX_FUNCS), found = -ENODEV;

    for (int i = 0; i < n; i++)
        if (!strcmp(funcs[i].bdf, bdf)) {
            *fn = funcs[i];
            found = 0;
        }
    for (int i = 0; !found && i < n; i++)
        if (funcs[i].nic == fn->nic && funcs[i].func == 0) {
            *pf = funcs[i];
            return 0;
        }
    return n < 0 ? n : -ENODEV;
}

static bool put(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *key,
                const char *value, uint32_t owner, uint32_t reader)
{
    char path[200];

    snprintf(path, sizeof(path), "%s%s%s", dir, *key ? "/" : "", key);
    return svl_xs_put(h, t, path, value, owner, reader);
}

static int write_request(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    const struct vf_dev *d = arg;
    uint32_t f = d->domid, b = d->backend;
    char fid[16], vf[16], vlan[16], standby[16], trunk[SVL_TRUNK_SIZE];

    svl_trunk_string(d->pci->trunk, d->pci->nr_trunk, trunk);
    snprintf(fid, sizeof(fid), "%u", f);
    snprintf(vf, sizeof(vf), "%u", d->vf);
    snprintf(vlan, sizeof(vlan), "%u", d->pci->vlan);
    snprintf(standby, sizeof(standby), "%u", d->pci->standby);
    return put(h, t, d->back, "", "", b, f) && put(h, t, d->back, SV_XS_FRONTEND, d->front, b, f) &&
                   (!d->pci->failover || put(h, t, d->back, SV_XS_FAILOVER, standby, b, f)) &&
                   put(h, t, d->back, SV_XS_FRONTEND_ID, fid, b, f) &&
                   put(h, t, d->back, "bdf", d->pci->bdf, b, f) &&
                   put(h, t, d->back, SV_XS_VF, vf, b, f) &&
                   put(h, t, d->back, SV_XS_MAC, d->pci->mac, b, f) &&
                   put(h, t, d->back, SV_XS_VLAN, vlan, b, f) &&
                   (!d->pci->nr_trunk || put(h, t, d->back, SV_XS_TRUNK, trunk, b, f)) &&
                   put(h, t, d->back, SV_XS_SPOOFCHK, "1", b, f) &&
                   put(h, t, d->back, SV_XS_TRUST, d->pci->trust ? "1" : "0", b, f) &&
                   (d->pci->link_state == CONFIG_LINK_AUTO ||
                    put(h, t, d->back, SV_XS_LINK_STATE, config_link_states[d->pci->link_state], b,
                        f)) &&
                   put(h, t, d->back, "state", "1", b, f) &&
                   put(h, t, d->libxl, "frontend", d->front, 0, 0) &&
                   put(h, t, d->libxl, "backend", d->back, 0, 0) &&
                   put(h, t, d->libxl, "bdf", d->pci->bdf, 0, 0)
               ? 0
               : -errno;
}

static int write_frontend(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    const struct vf_dev *d = arg;
    uint32_t f = d->domid, b = d->backend;
    char bid[16], vlan[16], standby[16];

    snprintf(bid, sizeof(bid), "%u", b);
    snprintf(vlan, sizeof(vlan), "%u", d->pci->vlan);
    snprintf(standby, sizeof(standby), "%u", d->pci->standby);
    return put(h, t, d->front, "", "", f, b) && put(h, t, d->front, "backend", d->back, f, b) &&
                   (!d->pci->failover || put(h, t, d->front, SV_XS_FAILOVER, standby, f, b)) &&
                   put(h, t, d->front, "backend-id", bid, f, b) &&
                   put(h, t, d->front, "bdf", d->pci->bdf, f, b) &&
                   put(h, t, d->front, "mac", d->pci->mac, f, b) &&
                   put(h, t, d->front, "vlan", vlan, f, b) &&
                   put(h, t, d->front, "state", "1", f, b)
               ? 0
               : -errno;
}

static int next_devid(struct xs_handle *h, uint32_t domid)
{
    char path[64];
    unsigned n = 0;
    int next = 0;
    char **devs;

    snprintf(path, sizeof(path), SVL_VF_DIRS, domid);
    devs = xs_directory(h, XBT_NULL, path, &n);
    for (unsigned i = 0; devs && i < n; i++)
        if (atoi(devs[i]) >= next)
            next = atoi(devs[i]) + 1;
    free(devs);
    return next;
}

/* The PF owner's answer: 0 once it configured the VF, or -errno (said). */
static int wait_configured(struct svl_ctx *ctx, struct xs_handle *h, const struct vf_dev *d)
{
    XenbusState got = XenbusStateUnknown;
    char *why;
    int err = xenbus_watch_state(h, d->back, "vf");

    if (!err)
        err = xenbus_wait_state(h, d->back, XenbusStateConnected, true, VF_CONFIG_WAIT, &got);
    xenbus_unwatch_state(h, d->back, "vf");
    if (!err && got == XenbusStateConnected)
        return 0;
    why = svl_read_shown(h, d->back, SV_XS_ERROR); /* the driver domain's words */
    svl_fail(ctx, err ? err : -EIO, "VF %s: domain %u (its PF's owner) did not configure it: %s",
             d->pci->bdf, d->backend,
             why   ? why
             : err ? strerror(-err)
                   : "refused");
    free(why);
    return err ? err : -EIO;
}

static void remove_dirs(struct xs_handle *h, const struct vf_dev *d)
{
    xs_rm(h, XBT_NULL, d->front);
    xs_rm(h, XBT_NULL, d->back);
    xs_rm(h, XBT_NULL, d->libxl);
}

int svl_vf_plug(struct svl_ctx *ctx, uint32_t domid, const char *name, const struct config_pci *pci)
{
    struct sv_pci_func fn = {0}, pf = {0};
    struct vf_dev d = {.domid = domid, .pci = pci};
    struct xs_handle *h;
    bool configure;
    int err = find_funcs(ctx, pci->bdf, &fn, &pf);

    /* A PF (a driver domain's) is no interface; and a function that cannot
     * be assigned (the attach says why) must not have its configuration
     * changed: it may be another guest's VF. */
    if (err == -ENODEV || (!err && (fn.func == 0 || !fn.assignable || fn.owner != DOMID_INVALID)))
        return 1;
    if (err)
        return err;
    /* Without a MAC, VLAN, trust or link to give it the VF keeps what it
     * has, and any PF owner will do (one that serves no requests too). */
    configure = pci->mac[0] || pci->vlan || pci->nr_trunk || pci->trust ||
                pci->link_state != CONFIG_LINK_AUTO;
    /* A PF no domain may have (not assignable) is the host's: its driver
     * configures the VF (as netdd would), started the first time. */
    if ((pf.owner == 0 || (pf.owner == DOMID_INVALID && !pf.assignable)) && pci->failover)
        return svl_fail(ctx, -EINVAL,
                        "VF %s: failover=%u: its PF %s is the host's, and only the driver domain "
                        "serving vif %u can move its MAC between the two",
                        pci->bdf, pci->standby, pf.bdf, pci->standby);
    if (configure && pf.owner == DOMID_INVALID && !pf.assignable &&
        !(err = svl_hostpf_start(ctx, pf.bdf)))
        err = find_funcs(ctx, pci->bdf, &fn, &pf);
    if (err)
        return err;
    if (pf.owner == DOMID_INVALID) {
        if (configure)
            svl_log(ctx, SVL_WARN,
                    "VF %s: its PF is assignable but no domain drives it, so nobody gives it "
                    "the MAC and VLAN asked for (it keeps the ones it has)",
                    pci->bdf);
        pf.owner = 0;
        configure = false;
    }
    if (!(h = xs_open(0)))
        return svl_fail(ctx, -errno, "VF %s: cannot reach xenstore", pci->bdf);
    d.backend = pf.owner;
    d.vf = fn.func - 1;
    d.devid = (unsigned)next_devid(h, domid);
    snprintf(d.front, sizeof(d.front), "/local/domain/%u/device/vf/%u", domid, d.devid);
    snprintf(d.back, sizeof(d.back), "/local/domain/%u/" SV_XS_VF_BACKEND "/%u/%u", d.backend,
             domid, d.devid);
    snprintf(d.libxl, sizeof(d.libxl), SVL_VF_DIRS "/%u", domid, d.devid);
    err = xenbus_transaction(h, write_request, &d);
    if (!err && configure)
        err = wait_configured(ctx, h, &d);
    if (!err && !(err = svl_pci_assign(ctx, domid, pci->bdf, false))) {
        err = pci->failover ? 0 : svl_guestnet_plumb_vf(ctx, domid, name, d.devid);
        if (!err)
            err = xenbus_transaction(h, write_frontend, &d);
        if (err) /* a pci-attach that failed leaves nothing attached */
            svl_pci_deassign(ctx, domid, pci->bdf);
    }
    if (err) {
        remove_dirs(h, &d);
        svl_fail(ctx, err, "VF %s: cannot give it to domain %u: %s", pci->bdf, domid,
                 strerror(-err));
    }
    xs_close(h);
    return err;
}

struct replug_what {
    uint32_t owner; /* the domain that drives the PF now */
    struct svl_ctx *ctx;
    struct xs_handle *h;
};

/* A VF request whose PF owner went (a restarted driver domain has a new
 * domid): made again under the new owner, which finds the VF configured
 * (a PF reset keeps a VF in use) and, for a teamed one the guest drives,
 * active.  The guest's directory follows. */
static void replug_one(struct xs_handle *h, const char *dir, const char *devid, void *arg)
{
    const struct replug_what *w = arg;
    struct sv_pci_func fn, pf;
    struct domain_config cfg;
    struct vf_dev d = {.backend = w->owner, .devid = (unsigned)atoi(devid)};
    char *bdf = NULL, *back = NULL, prefix[32], bid[16];

    if (sscanf(dir, "/libxl/%u/", &d.domid) != 1 || xenbus_read(h, XBT_NULL, dir, "bdf", &bdf) ||
        xenbus_read(h, XBT_NULL, dir, "backend", &back) || find_funcs(w->ctx, bdf, &fn, &pf) ||
        pf.owner != w->owner || svl_userdata_load(d.domid, &cfg) < 0)
        goto out;
    snprintf(prefix, sizeof(prefix), "/local/domain/%u/", w->owner);
    for (unsigned i = 0; i < cfg.nr_pcis && strncmp(back, prefix, strlen(prefix)); i++) {
        if (strcmp(cfg.pcis[i].bdf, bdf))
            continue;
        d.pci = &cfg.pcis[i];
        d.vf = fn.func - 1;
        snprintf(d.front, sizeof(d.front), "/local/domain/%u/device/vf/%u", d.domid, d.devid);
        snprintf(d.back, sizeof(d.back), "/local/domain/%u/" SV_XS_VF_BACKEND "/%u/%u", w->owner,
                 d.domid, d.devid);
        snprintf(d.libxl, sizeof(d.libxl), "%s", dir);
        snprintf(bid, sizeof(bid), "%u", w->owner);
        xs_rm(h, XBT_NULL, back);
        svl_chmod_tree(h, d.front, d.domid, w->owner);
        if (xenbus_transaction(h, write_request, &d) == 0 &&
            put(h, XBT_NULL, d.front, "backend", d.back, d.domid, w->owner) &&
            put(h, XBT_NULL, d.front, "backend-id", bid, d.domid, w->owner))
            svl_log(w->ctx, SVL_INFO, "VF %s of domain %u: request re-made to domain %u", bdf,
                    d.domid, w->owner);
    }
    config_free(&cfg);
out:
    free(bdf);
    free(back);
}

void svl_vf_replug_owner(struct svl_ctx *ctx, uint32_t owner)
{
    struct replug_what w = {.owner = owner, .ctx = ctx, .h = xs_open(0)};
    unsigned nf = 0;
    char **fes = w.h ? xs_directory(w.h, XBT_NULL, "/libxl", &nf) : NULL;

    for (unsigned i = 0; fes && i < nf; i++)
        if ((uint32_t)atoi(fes[i]) != owner)
            svl_for_each_device(SVL_VF_DIRS, (uint32_t)atoi(fes[i]), replug_one, &w);
    free(fes);
    if (w.h)
        xs_close(w.h);
}

/* Switches dir to Closing and waits up to ms for Closed. */
static void close_and_wait(struct xs_handle *h, const char *dir, int ms)
{
    XenbusState got;

    if (xenbus_watch_state(h, dir, "vf") < 0)
        return;
    xenbus_switch_state(h, dir, XenbusStateClosing);
    xenbus_wait_state(h, dir, XenbusStateClosed, true, ms, &got);
    xenbus_unwatch_state(h, dir, "vf");
}

/* Tells the PF owner (Closing: a teamed vif's pool gets the MAC back) and
 * the guest (Closing), waiting a little for each to let go (Closed), as
 * Xen's toolstack does with its backends and pcifront; then removes every
 * node. */
static void unplug_dir(struct svl_ctx *ctx, struct xs_handle *h, const char *libxl_dir,
                       uint32_t domid, bool tell)
{
    char name[128], *front = NULL, *back = NULL, *teamed = NULL;

    xenbus_read(h, XBT_NULL, libxl_dir, "frontend", &front);
    xenbus_read(h, XBT_NULL, libxl_dir, "backend", &back);
    if (back)
        xenbus_read(h, XBT_NULL, back, SV_XS_FAILOVER, &teamed);
    if (tell && back && xenbus_read_state(h, XBT_NULL, back) == XenbusStateConnected)
        close_and_wait(h, back, VF_HANDBACK_WAIT);
    if (tell && front && xenbus_read_state(h, XBT_NULL, front) == XenbusStateConnected)
        close_and_wait(h, front, VF_RELEASE_WAIT);
    if (front)
        xs_rm(h, XBT_NULL, front);
    if (back) {
        xs_rm(h, XBT_NULL, back); /* the PF owner takes its configuration back */
        svl_remove_parent_if_empty(h, back);
    }
    xs_rm(h, XBT_NULL, libxl_dir);
    /* The TAP goes (its name is free for the next VF); a destroyed domain's
     * went with its namespace.  A teamed VF had none. */
    if (!teamed && svl_domname(ctx, domid, name, sizeof(name)) == 0)
        svl_guestnet_unplumb_vf(ctx, name, (unsigned)atoi(strrchr(libxl_dir, '/') + 1));
    free(front);
    free(back);
    free(teamed);
}

struct unplug_what {
    struct svl_ctx *ctx;
    uint32_t domid;
    const char *bdf; /* NULL: every VF */
    bool tell;       /* the guest runs: it lets go first */
};

static void unplug_if(struct xs_handle *h, const char *dir, const char *devid, void *arg)
{
    const struct unplug_what *w = arg;
    char *have = NULL;

    (void)devid;
    if (!w->bdf || (xenbus_read(h, XBT_NULL, dir, "bdf", &have) == 0 && !strcmp(have, w->bdf)))
        unplug_dir(w->ctx, h, dir, w->domid, w->tell);
    free(have);
}

void svl_vf_unplug(struct svl_ctx *ctx, uint32_t domid, const char *bdf, bool tell)
{
    svl_for_each_device(
        SVL_VF_DIRS, domid, unplug_if,
        &(struct unplug_what){.ctx = ctx, .domid = domid, .bdf = bdf, .tell = tell});
}

void svl_vf_remove_all(struct svl_ctx *ctx, uint32_t domid)
{
    svl_for_each_device(
        SVL_VF_DIRS, domid, unplug_if,
        &(struct unplug_what){.ctx = ctx, .domid = domid, .bdf = NULL, .tell = false});
}
