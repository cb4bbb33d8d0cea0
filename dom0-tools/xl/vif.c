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
#include "xl.h"

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
    return xs_put(h, t, path, value, owner, reader);
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

/* The backend directory of a vif, and the frontend's and toolstack's
 * pointers to it (a re-plug writes only these: the frontend's own keys and
 * state are the guest's). */
static bool write_backend(struct xs_handle *h, xs_transaction_t t, uint32_t f, uint32_t b,
                          const struct config_vif *vif)
{
    struct vif_paths p;
    char bid[16], fid[16], handle[16], queues[16], vlan[8], trunk[CONFIG_MAX_TRUNK * 5 + 1];
    char ips[CONFIG_MAX_IPS * CONFIG_IP_SIZE], rate[48], rx_rate[72];
    size_t n = 0;

    vif_paths(f, b, vif->devid, &p);
    snprintf(bid, sizeof(bid), "%u", b);
    snprintf(fid, sizeof(fid), "%u", f);
    snprintf(handle, sizeof(handle), "%u", vif->devid);
    snprintf(queues, sizeof(queues), "%u", vif->queues);
    snprintf(vlan, sizeof(vlan), "%u", vif->vlan);
    config_vif_ips(vif, ips, sizeof(ips));
    backend_rate(&vif->rate, rate, sizeof(rate));
    backend_rate(&vif->rx_rate, rx_rate, sizeof(rx_rate));
    trunk[0] = '\0';
    for (unsigned i = 0; i < vif->nr_trunk; i++)
        n += (size_t)snprintf(trunk + n, sizeof(trunk) - n, "%s%u", i ? "," : "", vif->trunk[i]);
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

static bool write_vif(struct xs_handle *h, xs_transaction_t t, uint32_t f, uint32_t b,
                      const struct config_vif *vif)
{
    struct vif_paths p;
    char handle[16];

    vif_paths(f, b, vif->devid, &p);
    snprintf(handle, sizeof(handle), "%u", vif->devid);
    return put(h, t, p.front, "", "", f, b) && put(h, t, p.front, "handle", handle, f, b) &&
           put(h, t, p.front, "mac", vif->mac, f, b) && put(h, t, p.front, "state", "1", f, b) &&
           write_backend(h, t, f, b, vif);
}

int vif_backend_domid(const char *name, uint32_t *domid)
{
    *domid = 0;
    if (!name[0] || !strcmp(name, "Domain-0")) /* "" is the parsers' Domain-0 */
        return 0;
    return xl_lookup_domid(name, domid) < 0 ? -ESRCH : 0; /* a name or a domain id, as xl's */
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

int vif_add(uint32_t domid, const struct config_vif *vif)
{
    struct vif_job j = {.domid = domid, .vif = vif};
    struct xs_handle *h;
    int err;

    if (vif_backend_domid(vif->backend, &j.backend) < 0) {
        xl_error("vif %u: unknown backend domain '%s'", vif->devid, vif->backend);
        return -ESRCH;
    }
    if (j.backend == 0) /* Xen's default, but here only driver domains serve vifs */
        xl_warn("vif %u has no backend domain: Domain-0 serves no vifs, so it stays "
                "unconnected (name its driver domain with backend=)",
                vif->devid);
    h = xs_open(0);
    if (!h)
        return -errno;
    err = xenbus_transaction(h, vif_job_write, &j);
    xs_close(h);
    if (err)
        xl_error("vif %u: cannot write its xenstore nodes: %s", vif->devid, strerror(-err));
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
char *xl_read_shown(struct xs_handle *h, const char *dir, const char *key)
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

void vif_remove_parent_if_empty(struct xs_handle *h, const char *path)
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
        vif_remove_parent_if_empty(h, back);
    }
    xs_rm(h, XBT_NULL, libxl_dir);
    free(front);
    free(back);
}

int vif_remove(uint32_t domid, unsigned devid)
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

int xl_for_each_device(const char *fmt, uint32_t domid,
                       void (*fn)(struct xs_handle *h, const char *dir, const char *devid,
                                  void *arg),
                       void *arg)
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

static void unplug_one(struct xs_handle *h, const char *dir, const char *devid, void *arg)
{
    (void)devid;
    (void)arg;
    vif_unplug(h, dir);
}

void vif_remove_all(uint32_t domid)
{
    xl_for_each_device("/libxl/%u/device/vif", domid, unplug_one, NULL);
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

int vif_next_devid(uint32_t domid)
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

int vif_find(uint32_t domid, const char *devid_or_mac, unsigned *devid, char mac[18])
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

/* A multi-queue vif's pool: RX, TX and dropped frames of each of its queue
 * pairs (the backend's "nic-queues" names them),
 * " queues rx A/B tx C/D rx-no-buf E/F spoofed G/H". */
static void queue_counters(struct xs_handle *h, const char *back, const struct xnic_func_stats *st,
                           char *out, size_t len)
{
    static const struct {
        const char *name;
        size_t off;
    } fields[] = {{"rx", offsetof(struct xnic_queue_stats, rx_packets)},
                  {"tx", offsetof(struct xnic_queue_stats, tx_packets)},
                  {"rx-no-buf", offsetof(struct xnic_queue_stats, rx_no_buf)},
                  {"spoofed", offsetof(struct xnic_queue_stats, tx_spoofed)}};
    char *list = read_str(h, back, SV_XS_NIC_QUEUES), *tok, *save = NULL;
    unsigned q[XNIC_MAX_QUEUES], nq = 0;
    size_t n;

    for (tok = list ? strtok_r(list, " ", &save) : NULL; tok && nq < XNIC_MAX_QUEUES;
         tok = strtok_r(NULL, " ", &save))
        if ((q[nq] = (unsigned)atoi(tok)) < st->nqueues)
            nq++;
    free(list);
    if (nq < 2)
        return;
    n = (size_t)snprintf(out, len, " queues");
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]) && n < len; f++)
        for (unsigned i = 0; i < nq && n < len; i++) {
            uint64_t v;

            memcpy(&v, (const char *)&st->queue[q[i]] + fields[f].off, sizeof(v));
            if (!i)
                n += (size_t)snprintf(out + n, len - n, " %s ", fields[f].name);
            if (n < len)
                n += (size_t)snprintf(out + n, len - n, "%s%llu", i ? "/" : "",
                                      (unsigned long long)v);
        }
}

/* The counters of the queue pair that serves a vif steered to "pool N":
 * the PF its backend domain owns, as the device keeps them. */
static void pool_counters(struct xs_handle *h, const char *back, uint32_t backend,
                          const char *steering, char *out, size_t len)
{
    static struct sv_pci_func funcs[64];
    static struct xnic_func_stats st;
    unsigned pool;
    int n;

    snprintf(out, len, "%s", steering ? steering : "-");
    if (steering && !strcmp(steering, "software switch")) {
        char *counters = xl_read_shown(h, back, SV_XS_SWITCH_COUNTERS);

        snprintf(out, len, "software switch %s", counters ? counters : "");
        free(counters);
        return;
    }
    if (!steering || sscanf(steering, "pool %u", &pool) != 1 || pool >= XNIC_MAX_QUEUES)
        return;
    n = hcall_pci_funcs(xl_chan, funcs, 64);
    for (int i = 0; i < n; i++) {
        if (funcs[i].owner != backend || funcs[i].func != 0)
            continue;
        if (xl_pci_stats(funcs[i].bdf, &st) == 0 && pool < st.nqueues) {
            int n0 = snprintf(out, len, "pool %u of %s rx %llu tx %llu rx-no-buf %llu spoofed %llu",
                              pool, funcs[i].bdf, (unsigned long long)st.queue[pool].rx_packets,
                              (unsigned long long)st.queue[pool].tx_packets,
                              (unsigned long long)st.queue[pool].rx_no_buf,
                              (unsigned long long)st.queue[pool].tx_spoofed);

            if (n0 > 0 && (size_t)n0 < len)
                queue_counters(h, back, &st, out + n0, len - (size_t)n0);
        }
        return;
    }
}

/* A listed vif, from the toolstack's own directory: which frontend and
 * backend directories are the vif's, and the backend's domain, are dom0's
 * word, not what the guest wrote in its frontend directory. */
struct vif_listed {
    char *front, *back;
    uint32_t backend;
};

static bool vif_listed(struct xs_handle *h, const char *libxl_dir, struct vif_listed *v)
{
    v->front = read_str(h, libxl_dir, "frontend");
    v->back = read_str(h, libxl_dir, "backend");
    if (v->front && v->back && sscanf(v->back, "/local/domain/%u/", &v->backend) == 1)
        return true;
    free(v->front);
    free(v->back);
    return false;
}

/* The steering and NIC counters, and the frames the backend's IP
 * anti-spoofing dropped (a vif with addresses). */
static void vif_counters(struct xs_handle *h, const char *back, uint32_t backend,
                         const char *steering, char *out, size_t len)
{
    char *spoofed = xl_read_shown(h, back, SV_XS_IP_FILTERED);
    size_t n;

    pool_counters(h, back, backend, steering, out, len);
    n = strlen(out);
    if (spoofed && n < len)
        snprintf(out + n, len - n, " ip-filtered %s", spoofed);
    free(spoofed);
}

static void brief_one(struct xs_handle *h, const char *dir, const char *devid, void *arg)
{
    struct vif_listed v;
    char *mac, *steering, line[240];

    (void)arg;
    if (!vif_listed(h, dir, &v))
        return;
    mac = xl_read_shown(h, v.front, "mac");
    steering = xl_read_shown(h, v.back, SV_XS_STEERING);
    vif_counters(h, v.back, v.backend, steering, line, sizeof(line));
    printf("    vif %s %s  %s\n", devid, mac ? mac : "-", line);
    free(mac);
    free(steering);
    free(v.front);
    free(v.back);
}

void vif_list_brief(uint32_t domid)
{
    xl_for_each_device("/libxl/%u/device/vif", domid, brief_one, NULL);
}

static void list_one(struct xs_handle *h, const char *dir, const char *devid, void *arg)
{
    static const char *keys[] = {"mac",           "handle",      "state",
                                 "event-channel", "tx-ring-ref", "rx-ring-ref"};
    char *v[6], rings[40], steer[200], *steering, ports[24];
    struct vif_listed vif;

    (void)arg;
    if (!vif_listed(h, dir, &vif))
        return;
    for (int k = 0; k < 6; k++)
        v[k] = xl_read_shown(h, vif.front, keys[k]);
    snprintf(rings, sizeof(rings), "%s/%s", v[4] ? v[4] : "-1", v[5] ? v[5] : "-1");
    if (!v[4]) { /* several queues: their keys are under queue-N/ */
        char *nq = xl_read_shown(h, vif.front, "multi-queue-num-queues");

        if (nq)
            snprintf(rings, sizeof(rings), "%s queues", nq);
        free(nq);
    }
    if (!v[3]) { /* split event channels: one port per ring, shown tx/rx */
        char *tx = xl_read_shown(h, vif.front, "event-channel-tx");
        char *rx = xl_read_shown(h, vif.front, "event-channel-rx");

        snprintf(ports, sizeof(ports), "%s/%s", tx ? tx : "-1", rx ? rx : "-1");
        v[3] = strdup(ports);
        free(tx);
        free(rx);
    }
    steering = xl_read_shown(h, vif.back, SV_XS_STEERING);
    vif_counters(h, vif.back, vif.backend, steering, steer, sizeof(steer));
    printf("%-4s %-3u %-18s %-6s %-5s %-7s %-16s %-36s %s\n", devid, vif.backend, v[0] ? v[0] : "-",
           v[1] ? v[1] : "-", v[2] ? v[2] : "-", v[3] ? v[3] : "-1", rings, vif.back, steer);
    free(steering);
    for (int k = 0; k < 6; k++)
        free(v[k]);
    free(vif.front);
    free(vif.back);
}

void vif_list_header(void)
{
    printf("%-4s %-3s %-18s %-6s %-5s %-7s %-16s %-36s %s\n", "Idx", "BE", "Mac Addr.", "handle",
           "state", "evt-ch", "tx-/rx-ring-ref", "BE-path", "steering / NIC counters");
}

int vif_list(uint32_t domid)
{
    return xl_for_each_device("/libxl/%u/device/vif", domid, list_one, NULL);
}

void xl_chmod_tree(struct xs_handle *h, const char *dir, uint32_t owner, uint32_t reader)
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
        xl_chmod_tree(h, path, owner, reader);
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

    return write_backend(h, t, j->frontend, j->backend, &j->vif) ? 0 : -errno;
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
static void replug_frontend(struct xs_handle *h, uint32_t f, const char *name, uint32_t b,
                            const xc_domaininfo_t *info, int ninfo)
{
    struct domain_config cfg;
    unsigned n;
    char **devs = vif_devids(h, f, &n);

    if (!devs || !has_orphan_vif(h, f, devs, n, info, ninfo) || userdata_load(f, &cfg) < 0) {
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
            xl_chmod_tree(h, dir, f, b);
            if (xenbus_transaction(h, replug_write, &j) == 0)
                printf("vif %u.%u re-plugged to %s (domain %u)\n", f, j.vif.devid, name, b);
        }
        free(mac);
    }
    free(devs);
    config_free(&cfg);
}

void vif_replug_backend(const char *name, uint32_t b)
{
    static xc_domaininfo_t info[256];
    int n = xc_domain_getinfolist(xl_xch, 1, 256, info);
    struct xs_handle *h = n > 0 ? xs_open(0) : NULL;

    for (int i = 0; h && i < n; i++)
        if (info[i].domain != b && !(info[i].flags & XEN_DOMINF_shutdown))
            replug_frontend(h, info[i].domain, name, b, info, n);
    if (h)
        xs_close(h);
}

void vif_orphan_backend(uint32_t b)
{
    struct xs_handle *h = xs_open(0);
    char prefix[48];
    unsigned nf = 0;
    char **fes = h ? xs_directory(h, XBT_NULL, "/libxl", &nf) : NULL;

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
