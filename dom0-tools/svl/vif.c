/*
 * Virtual network interfaces in xenstore, as libxl writes them:
 *   frontend  /local/domain/F/device/vif/D         F's, readable by B
 *             backend, backend-id, handle, mac, state = 1
 *   backend   /local/domain/B/backend/vif/F/D      B's, readable by F
 *             frontend, frontend-id, handle, mac, bridge, ip, online,
 *             multi-queue-num-queues, type = vif, state = 1,
 *             vlan, trunk (ours, only for a vif on a VLAN or a trunk:
 *             libxl leaves VLANs to the hotplug script, which reads them
 *             from bridge=NAME.VID:VID)
 *   toolstack /libxl/F/device/vif/D                dom0's
 *             frontend, backend
 * B is the backend domain named in the description (dom0 when none).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xen/io/xenbus.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "sv/abi/xnic.h"
#include "sv/hcall.h"
#include "sv/xenbus.h"
#include "sv/abi/xs_net.h"
#include "svl_internal.h"

#define VIF_CLOSE_WAIT 5000 /* ms for a backend to let go of a vif */

struct vif_paths {
    char front[96], back[128], libxl[96];
};

static void vif_paths(uint32_t domid, uint32_t backend, unsigned devid, struct vif_paths *p)
{
    snprintf(p->front, sizeof(p->front), "/local/domain/%u/device/vif/%u", domid, devid);
    snprintf(p->back, sizeof(p->back), "/local/domain/%u/" SV_XS_VIF_BACKEND "/%u/%u", backend,
             domid, devid);
    snprintf(p->libxl, sizeof(p->libxl), "/libxl/%u/device/vif/%u", domid, devid);
}

/* dir/key = value (dir itself when key is ""), owned by owner, readable by reader. */
static bool put(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *key,
                const char *value, uint32_t owner, uint32_t reader)
{
    char path[200];

    snprintf(path, sizeof(path), "%s%s%s", dir, *key ? "/" : "", key);
    return svl_xs_put(h, t, path, value, owner, reader);
}

/* libxl's form of a rate: bytes of credit per interval, the interval in us;
 * ours adds the burst, when one was given. */
static void backend_rate(const struct config_rate *r, char *buf, size_t size)
{
    int n =
        snprintf(buf, size, "%llu,%u",
                 (unsigned long long)(r->bytes_per_sec * r->interval_us / 1000000), r->interval_us);

    if (r->burst_bytes && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ",%llu", (unsigned long long)r->burst_bytes);
}

void svl_trunk_string(const uint16_t *trunk, unsigned n, char buf[SVL_TRUNK_SIZE])
{
    size_t len = 0;

    buf[0] = '\0';
    for (unsigned i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, SVL_TRUNK_SIZE - len, "%s%u", i ? "," : "", trunk[i]);
}

/* The backend directory of a vif, and the frontend's and toolstack's
 * pointers to it (a re-plug writes only these: the frontend's own keys and
 * state are the guest's). */
static bool write_backend(struct xs_handle *h, xs_transaction_t t, uint32_t f, uint32_t b,
                          const struct config_vif *vif)
{
    struct vif_paths p;
    char bid[16], fid[16], handle[16], queues[16], vlan[8], trunk[SVL_TRUNK_SIZE];
    char ips[CONFIG_MAX_IPS * CONFIG_IP_SIZE], rate[48], rx_rate[72];

    vif_paths(f, b, vif->devid, &p);
    snprintf(bid, sizeof(bid), "%u", b);
    snprintf(fid, sizeof(fid), "%u", f);
    snprintf(handle, sizeof(handle), "%u", vif->devid);
    snprintf(queues, sizeof(queues), "%u", vif->queues);
    snprintf(vlan, sizeof(vlan), "%u", vif->vlan);
    config_vif_ips(vif, ips, sizeof(ips));
    backend_rate(&vif->rate, rate, sizeof(rate));
    backend_rate(&vif->rx_rate, rx_rate, sizeof(rx_rate));
    svl_trunk_string(vif->trunk, vif->nr_trunk, trunk);
    return put(h, t, p.back, "", "", b, f) && put(h, t, p.back, SV_XS_FRONTEND, p.front, b, f) &&
           put(h, t, p.back, SV_XS_FRONTEND_ID, fid, b, f) &&
           put(h, t, p.back, "handle", handle, b, f) &&
           put(h, t, p.back, SV_XS_MAC, vif->mac, b, f) &&
           put(h, t, p.back, "bridge", vif->bridge, b, f) &&
           put(h, t, p.back, SV_XS_IP, ips, b, f) &&
           (!vif->vlan || put(h, t, p.back, SV_XS_VLAN, vlan, b, f)) &&
           (!vif->nr_trunk || put(h, t, p.back, SV_XS_TRUNK, trunk, b, f)) &&
           (!vif->rate.bytes_per_sec || put(h, t, p.back, SV_XS_RATE, rate, b, f)) &&
           (!vif->rx_rate.bytes_per_sec || put(h, t, p.back, SV_XS_RX_RATE, rx_rate, b, f)) &&
           put(h, t, p.back, SV_XS_QUEUES, queues, b, f) &&
           put(h, t, p.back, "type", "vif", b, f) && put(h, t, p.back, SV_XS_ONLINE, "1", b, f) &&
           put(h, t, p.back, "state", "1", b, f) && put(h, t, p.front, "backend", p.back, f, b) &&
           put(h, t, p.front, "backend-id", bid, f, b) &&
           put(h, t, p.libxl, "frontend", p.front, 0, 0) &&
           put(h, t, p.libxl, "backend", p.back, 0, 0);
}

/* The description's bound is the guests' (one limit, as for names). */
_Static_assert(CONFIG_MAX_QUEUE_SIZE == SV_XS_VIF_MAX_QUEUE_SIZE, "queue size limits differ");

static bool write_vif(struct xs_handle *h, xs_transaction_t t, uint32_t f, uint32_t b,
                      const struct config_vif *vif)
{
    struct vif_paths p;
    char handle[16], rxq[16], txq[16];

    vif_paths(f, b, vif->devid, &p);
    snprintf(handle, sizeof(handle), "%u", vif->devid);
    snprintf(rxq, sizeof(rxq), "%u", vif->rx_queue_size);
    snprintf(txq, sizeof(txq), "%u", vif->tx_queue_size);
    return put(h, t, p.front, "", "", f, b) && put(h, t, p.front, "handle", handle, f, b) &&
           put(h, t, p.front, "mac", vif->mac, f, b) &&
           (!vif->rx_queue_size || put(h, t, p.front, SV_XS_RX_QUEUE_SIZE, rxq, f, b)) &&
           (!vif->tx_queue_size || put(h, t, p.front, SV_XS_TX_QUEUE_SIZE, txq, f, b)) &&
           put(h, t, p.front, "state", "1", f, b) && write_backend(h, t, f, b, vif);
}

int svl_vif_backend_domid(struct svl_ctx *ctx, const char *name, uint32_t *domid)
{
    *domid = 0;
    if (!name[0] || !strcmp(name, "Domain-0")) /* "" is the parsers' Domain-0 */
        return 0;
    return svl_domid(ctx, name, domid) < 0 ? -ESRCH : 0; /* a name or a domain id, as xl's */
}

struct vif_job {
    uint32_t domid, backend;
    const struct config_vif *vif;
};

static int vif_job_write(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    struct vif_job *j = arg;

    return write_vif(h, t, j->domid, j->backend, j->vif) ? 0 : -errno;
}

int svl_vif_add(struct svl_ctx *ctx, uint32_t domid, const struct config_vif *vif)
{
    struct vif_job j = {.domid = domid, .vif = vif};
    struct xs_handle *h;
    int err;

    if (svl_vif_backend_domid(ctx, vif->backend, &j.backend) < 0)
        return svl_fail(ctx, -ESRCH, "vif %u: unknown backend domain '%s'", vif->devid,
                        vif->backend);
    if (j.backend == 0) /* Xen's default, but here only driver domains serve vifs */
        svl_log(ctx, SVL_WARN,
                "vif %u has no backend domain: Domain-0 serves no vifs, so it stays "
                "unconnected (name its driver domain with backend=)",
                vif->devid);
    h = xs_open(0);
    if (!h)
        return svl_fail(ctx, -errno, "vif %u: cannot reach xenstore", vif->devid);
    err = xenbus_transaction(h, vif_job_write, &j);
    xs_close(h);
    if (err)
        svl_fail(ctx, err, "vif %u: cannot write its xenstore nodes: %s", vif->devid,
                 strerror(-err));
    return err;
}

static char *read_str(struct xs_handle *h, const char *dir, const char *key)
{
    char path[200];
    unsigned len;

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_read(h, XBT_NULL, path, &len);
}

/* A value a domain wrote (a guest's frontend keys, a driver domain's
 * backend keys), for a terminal: bytes that are not printable ASCII become
 * '?', so no escape sequence reaches dom0's screen.  NULL when absent. */
char *svl_read_shown(struct xs_handle *h, const char *dir, const char *key)
{
    char *v = read_str(h, dir, key);

    for (char *c = v; c && *c; c++)
        if (*c < 0x20 || *c > 0x7e)
            *c = '?';
    return v;
}

static int read_state(struct xs_handle *h, const char *dir)
{
    char *v = read_str(h, dir, "state");
    int s = v ? atoi(v) : XenbusStateClosed;

    free(v);
    return s;
}

void svl_remove_parent_if_empty(struct xs_handle *h, const char *path)
{
    char parent[200], *slash;
    unsigned n = 0;
    char **left;

    snprintf(parent, sizeof(parent), "%s", path);
    slash = strrchr(parent, '/');
    if (!slash)
        return;
    *slash = '\0';
    left = xs_directory(h, XBT_NULL, parent, &n);
    if (left && n == 0)
        xs_rm(h, XBT_NULL, parent);
    free(left);
}

/*
 * Asks the backend to let go (online = 0, Closing) and waits a little for
 * it to reach Closed, as libxl does, then removes every node of the vif.
 */
static void vif_unplug(struct xs_handle *h, const char *libxl_dir)
{
    char *front = read_str(h, libxl_dir, "frontend");
    char *back = read_str(h, libxl_dir, "backend");
    char path[200];
    XenbusState got;

    /* Woken by the backend's Closed, not polled: a poll every 100 ms was
     * most of `xl destroy`'s time. */
    if (back && read_state(h, back) == XenbusStateConnected &&
        xenbus_watch_state(h, back, "vif") == 0) {
        snprintf(path, sizeof(path), "%s/online", back);
        xs_write(h, XBT_NULL, path, "0", 1);
        snprintf(path, sizeof(path), "%s/state", back);
        xs_write(h, XBT_NULL, path, "5", 1); /* XenbusStateClosing */
        xenbus_wait_state(h, back, XenbusStateClosed, true, VIF_CLOSE_WAIT, &got);
        xenbus_unwatch_state(h, back, "vif");
    }
    if (front)
        xs_rm(h, XBT_NULL, front);
    if (back) {
        xs_rm(h, XBT_NULL, back);
        svl_remove_parent_if_empty(h, back);
    }
    xs_rm(h, XBT_NULL, libxl_dir);
    free(front);
    free(back);
}

int svl_vif_remove(uint32_t domid, unsigned devid)
{
    struct xs_handle *h = xs_open(0);
    char dir[96];
    char *front;

    if (!h)
        return -errno;
    snprintf(dir, sizeof(dir), "/libxl/%u/device/vif/%u", domid, devid);
    front = read_str(h, dir, "frontend");
    if (!front) {
        xs_close(h);
        return -ENOENT;
    }
    free(front);
    vif_unplug(h, dir);
    xs_close(h);
    return 0;
}

int svl_for_each_device(const char *fmt, uint32_t domid, svl_device_fn *fn, void *arg)
{
    struct xs_handle *h = xs_open(0);
    char base[96], dir[160];
    unsigned n = 0;
    char **devs;

    if (!h)
        return -errno;
    snprintf(base, sizeof(base), fmt, domid);
    devs = xs_directory(h, XBT_NULL, base, &n);
    for (unsigned i = 0; devs && i < n; i++) {
        snprintf(dir, sizeof(dir), "%s/%s", base, devs[i]);
        fn(h, dir, devs[i], arg);
    }
    free(devs);
    xs_close(h);
    return 0;
}

/*
 * The guest is gone: no handshake.  The backend tears a vif down when its
 * directory goes, on its own time, and cannot write it back
 * (xenbus_switch_state), so `xl destroy` does not wait for a driver domain
 * busy with other guests.  The directory goes with its parent
 * (.../backend/vif/DOMID: this guest's vifs on that backend, all going);
 * the frontend's and the toolstack's nodes go with the domain's home
 * (svl_home_remove).  Two xenstore round trips a vif instead of seven:
 * each waits for xenstored to be scheduled, under load most of a destroy.
 */
static void unplug_gone(struct xs_handle *h, const char *dir, const char *devid, void *arg)
{
    char *back = read_str(h, dir, "backend");
    char *slash = back ? strrchr(back, '/') : NULL;

    (void)devid;
    (void)arg;
    if (slash) {
        *slash = '\0';
        xs_rm(h, XBT_NULL, back);
    }
    free(back);
}

void svl_vif_remove_all(uint32_t domid)
{
    svl_for_each_device(SVL_VIF_DIRS, domid, unplug_gone, NULL);
}

/* The vif devids of domid, from its toolstack directory (the source of truth:
 * a description reloaded from userdata numbers its vifs afresh). */
static char **vif_devids(struct xs_handle *h, uint32_t domid, unsigned *n)
{
    char dir[96];

    snprintf(dir, sizeof(dir), "/libxl/%u/device/vif", domid);
    *n = 0;
    return xs_directory(h, XBT_NULL, dir, n);
}

/* The next unused devid of domid, or -errno. */
static int next_devid(uint32_t domid)
{
    struct xs_handle *h = xs_open(0);
    unsigned n, next = 0;
    char **devs;

    if (!h)
        return -errno;
    devs = vif_devids(h, domid, &n);
    for (unsigned i = 0; devs && i < n; i++)
        if ((unsigned)atoi(devs[i]) >= next)
            next = (unsigned)atoi(devs[i]) + 1;
    free(devs);
    xs_close(h);
    return (int)next;
}

/* The vif of domid named by devid or MAC: 0 (devid, mac filled) or -ENOENT. */
static int find(uint32_t domid, const char *devid_or_mac, unsigned *devid, char mac[18])
{
    struct xs_handle *h = xs_open(0);
    unsigned n;
    char **devs;
    int err = -ENOENT;

    if (!h)
        return -errno;
    devs = vif_devids(h, domid, &n);
    for (unsigned i = 0; devs && i < n && err; i++) {
        char dir[96], *m;

        snprintf(dir, sizeof(dir), "/local/domain/%u/device/vif/%s", domid, devs[i]);
        m = read_str(h, dir, "mac");
        if (m && (!strcmp(devs[i], devid_or_mac) || !strcasecmp(m, devid_or_mac))) {
            *devid = (unsigned)atoi(devs[i]);
            snprintf(mac, 18, "%s", m);
            err = 0;
        }
        free(m);
    }
    free(devs);
    xs_close(h);
    return err;
}

void svl_chmod_tree(struct xs_handle *h, const char *dir, uint32_t owner, uint32_t reader)
{
    struct xs_permissions perms[2] = {{.id = owner, .perms = XS_PERM_NONE},
                                      {.id = reader, .perms = XS_PERM_READ}};
    unsigned n = 0;
    char **kids;

    xs_set_permissions(h, XBT_NULL, dir, perms, 2);
    kids = xs_directory(h, XBT_NULL, dir, &n);
    for (unsigned i = 0; kids && i < n; i++) {
        char path[256];

        snprintf(path, sizeof(path), "%s/%s", dir, kids[i]);
        svl_chmod_tree(h, path, owner, reader);
    }
    free(kids);
}

struct replug_job {
    uint32_t frontend, backend;
    struct config_vif vif;
};

static int replug_write(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    struct replug_job *j = arg;
    struct vif_paths p;

    /* The frontend back to Initialising with its new backend: a frontend
     * still Connected to a dead one (a standby's re-plug comes before the
     * destroy that would have orphaned it) had the new backend map the
     * rings granted to the dead domain, fail and close the vif. */
    vif_paths(j->frontend, j->backend, j->vif.devid, &p);
    return put(h, t, p.front, "state", "1", j->frontend, j->backend) &&
                   write_backend(h, t, j->frontend, j->backend, &j->vif)
               ? 0
               : -errno;
}

/* Whether domain d is listed in info[0..n) and not shut down. */
static bool domain_live(const xc_domaininfo_t *info, int n, uint32_t d)
{
    for (int i = 0; i < n; i++)
        if (info[i].domain == d)
            return !(info[i].flags & XEN_DOMINF_shutdown);
    return false;
}

/* Whether a vif of devs (f's) has lost its backend: orphaned (no backend
 * path), or served by a domain that is gone or shut down.  Only those can
 * name a domain just created; the rest need no description read. */
static bool has_orphan_vif(struct xs_handle *h, uint32_t f, char **devs, unsigned n,
                           const xc_domaininfo_t *info, int ninfo)
{
    bool orphan = false;

    for (unsigned i = 0; i < n && !orphan; i++) {
        char dir[96], *back;
        uint32_t b;

        snprintf(dir, sizeof(dir), "/libxl/%u/device/vif/%s", f, devs[i]);
        back = read_str(h, dir, "backend");
        orphan =
            !back || sscanf(back, "/local/domain/%u/", &b) != 1 || !domain_live(info, ninfo, b);
        free(back);
    }
    return orphan;
}

/* Re-plugs the vifs of frontend f whose description names backend `name`. */
static void replug_frontend(struct svl_ctx *ctx, struct xs_handle *h, uint32_t f, const char *name,
                            uint32_t b, const xc_domaininfo_t *info, int ninfo)
{
    struct domain_config cfg;
    unsigned n;
    char **devs = vif_devids(h, f, &n);

    if (!devs || !has_orphan_vif(h, f, devs, n, info, ninfo) || svl_userdata_load(f, &cfg) < 0) {
        free(devs);
        return;
    }
    for (unsigned i = 0; devs && i < n; i++) {
        char dir[96], *mac;

        snprintf(dir, sizeof(dir), "/local/domain/%u/device/vif/%s", f, devs[i]);
        mac = read_str(h, dir, "mac");
        for (unsigned k = 0; mac && k < cfg.nr_vifs; k++) {
            struct replug_job j = {.frontend = f, .backend = b, .vif = cfg.vifs[k]};

            if (strcasecmp(cfg.vifs[k].mac, mac) || strcmp(cfg.vifs[k].backend, name))
                continue;
            j.vif.devid = (unsigned)atoi(devs[i]);
            svl_chmod_tree(h, dir, f, b);
            if (xenbus_transaction(h, replug_write, &j) == 0)
                svl_log(ctx, SVL_INFO, "vif %u.%u re-plugged to %s (domain %u)", f, j.vif.devid,
                        name, b);
        }
        free(mac);
    }
    free(devs);
    config_free(&cfg);
}

void svl_vif_replug_backend(struct svl_ctx *ctx, const char *name, uint32_t b)
{
    static xc_domaininfo_t info[256];
    int n = xc_domain_getinfolist(ctx->xch, 1, 256, info);
    struct xs_handle *h = n > 0 ? xs_open(0) : NULL;

    for (int i = 0; h && i < n; i++)
        if (info[i].domain != b && !(info[i].flags & XEN_DOMINF_shutdown))
            replug_frontend(ctx, h, info[i].domain, name, b, info, n);
    if (h)
        xs_close(h);
}

void svl_vif_orphan_backend(uint32_t b)
{
    struct xs_handle *h = xs_open(0);
    char prefix[48], served[64];
    unsigned nf = 0, nb = 0;
    char **fes = NULL, **backs;

    /* Most domains serve no vif: one read, not a walk of every domain's
     * vifs (which made each destroy cost more with every other guest). */
    snprintf(served, sizeof(served), "/local/domain/%u/" SV_XS_VIF_BACKEND, b);
    backs = h ? xs_directory(h, XBT_NULL, served, &nb) : NULL;
    free(backs);
    if (nb)
        fes = xs_directory(h, XBT_NULL, "/libxl", &nf);
    snprintf(prefix, sizeof(prefix), "/local/domain/%u/", b);
    for (unsigned i = 0; fes && i < nf; i++) {
        unsigned f = (unsigned)atoi(fes[i]), nd;
        char **devs = vif_devids(h, f, &nd);

        for (unsigned d = 0; devs && d < nd; d++) {
            char dir[96], *back, *front;

            snprintf(dir, sizeof(dir), "/libxl/%u/device/vif/%s", f, devs[d]);
            back = read_str(h, dir, "backend");
            front = read_str(h, dir, "frontend");
            if (back && front && !strncmp(back, prefix, strlen(prefix))) {
                /* The guest sees its backend gone, and no dead domid to follow. */
                put(h, XBT_NULL, front, "backend", "", f, 0);
                put(h, XBT_NULL, front, "backend-id", "", f, 0);
                put(h, XBT_NULL, dir, "backend", "", 0, 0);
            }
            free(back);
            free(front);
        }
        free(devs);
    }
    free(fes);
    if (h)
        xs_close(h);
}

/* Parses spec as the vif with devid `devid` of cfg (its generated MAC
 * follows devid), refusing a MAC another vif of cfg has. */
static int parse_vif(struct svl_ctx *ctx, const struct domain_config *cfg, const char *spec,
                     unsigned devid, struct config_vif *out)
{
    static struct domain_config scratch;
    struct config_error cerr;

    if (devid >= CONFIG_MAX_VIFS)
        return svl_fail(ctx, -ENOSPC, "%s has no room for another vif", cfg->name);
    config_init(&scratch);
    memcpy(scratch.name, cfg->name, sizeof(scratch.name));
    scratch.nr_vifs = devid;
    if (config_add_vif_spec(&scratch, spec, &cerr) < 0) {
        config_free(&scratch);
        return svl_config_fail(ctx, -EINVAL, &cerr);
    }
    *out = scratch.vifs[devid];
    config_free(&scratch);
    for (unsigned i = 0; i < cfg->nr_vifs; i++)
        if (!strcmp(cfg->vifs[i].mac, out->mac))
            return svl_fail(ctx, -EEXIST, "vif %u of %s already has MAC %s", cfg->vifs[i].devid,
                            cfg->name, out->mac);
    return 0;
}

int svl_vif_attach(struct svl_ctx *ctx, uint32_t domid, const char *spec)
{
    struct domain_config cfg;
    struct config_vif vif;
    int err;

    if (svl_userdata_load(domid, &cfg) < 0)
        return svl_fail(ctx, -ENOENT, "no configuration kept for domain %u", domid);
    err = next_devid(domid);
    if (err >= 0)
        err = parse_vif(ctx, &cfg, spec, (unsigned)err, &vif);
    if (err)
        goto out_free;
    err = svl_guestnet_plumb(ctx, domid, cfg.name, &vif);
    if (err)
        goto out_free;
    err = svl_vif_add(ctx, domid, &vif);
    if (err)
        goto out_unplumb;
    cfg.vifs[cfg.nr_vifs++] = vif;
    err = svl_userdata_save(domid, &cfg);
    if (!err)
        goto out_free;
    svl_fail(ctx, err, "cannot keep the description of %s: %s", cfg.name, strerror(-err));
    svl_vif_remove(domid, vif.devid);
out_unplumb:
    /* A failed attach leaves neither the TAP nor xenstore nodes. */
    svl_guestnet_unplumb(ctx, cfg.name, vif.devid);
out_free:
    config_free(&cfg);
    return err;
}

int svl_vif_detach(struct svl_ctx *ctx, uint32_t domid, const char *devid_or_mac)
{
    struct domain_config cfg;
    char mac[18], name[SV_DOMAIN_NAME_MAX];
    unsigned devid = 0;
    int err;

    if (find(domid, devid_or_mac, &devid, mac) < 0) {
        if (svl_domname(ctx, domid, name, sizeof(name)) < 0)
            snprintf(name, sizeof(name), "domain %u", domid);
        return svl_fail(ctx, -ENOENT, "%s has no vif '%s'", name, devid_or_mac);
    }
    err = svl_vif_remove(domid, devid);
    if (!err && svl_userdata_load(domid, &cfg) == 0) {
        svl_guestnet_unplumb(ctx, cfg.name, devid);
        for (unsigned i = 0; i < cfg.nr_vifs; i++)
            if (!strcasecmp(cfg.vifs[i].mac, mac)) {
                memmove(&cfg.vifs[i], &cfg.vifs[i + 1],
                        (cfg.nr_vifs - i - 1) * sizeof(cfg.vifs[0]));
                cfg.nr_vifs--;
                break;
            }
        err = svl_userdata_save(domid, &cfg);
        config_free(&cfg);
    }
    return err ? svl_fail(ctx, err, "cannot detach: %s", strerror(-err)) : 0;
}
