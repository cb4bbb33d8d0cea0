/*
 * A domain's counters, as virsh domstats / domifstat give them: its CPU
 * time, memory given and used (its memory cgroup's charge), and per vif the
 * packets and bytes of the NIC queues that serve it (its VMDq pool's, or
 * every queue of a multi-queue pool), read from the device through the
 * hypervisor.  A vif on netdd's software switch has no NIC queue of its
 * own: its counters are what netdd writes, not the device's, and are left
 * out (steering says so).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/abi/xnic.h"
#include "sv/abi/xs_net.h"
#include "sv/cgroup.h"
#include "sv/hcall.h"
#include "svl_internal.h"

struct stats_job {
    struct svl_ctx *ctx;
    struct svl_domstats *st;
};

/* The queues a vif steered to "pool N" uses: nic-queues when it has
 * several, else queue N. */
static unsigned vif_queues(struct xs_handle *h, const char *back, unsigned pool,
                           unsigned q[XNIC_MAX_QUEUES])
{
    char *list = svl_read_shown(h, back, SV_XS_NIC_QUEUES), *tok, *save = NULL;
    unsigned n = 0;

    for (tok = list ? strtok_r(list, " ", &save) : NULL; tok && n < XNIC_MAX_QUEUES;
         tok = strtok_r(NULL, " ", &save))
        q[n++] = (unsigned)atoi(tok);
    free(list);
    if (n < 2) {
        q[0] = pool;
        n = 1;
    }
    return n;
}

/* The PF of the NIC whose pool serves a vif: the one its backend owns. */
static int backend_pf(struct svl_ctx *ctx, uint32_t backend, char bdf[SV_BDF_SIZE])
{
    static struct sv_pci_func funcs[128];
    int n = svl_pci_funcs(ctx, funcs, 128);

    for (int i = 0; i < n; i++)
        if (funcs[i].owner == backend && funcs[i].func == 0) {
            snprintf(bdf, SV_BDF_SIZE, "%s", funcs[i].bdf);
            return 0;
        }
    return -ENODEV;
}

static void vif_one(struct xs_handle *h, const char *dir, const char *devid, void *arg)
{
    static struct xnic_func_stats fs;
    struct stats_job *j = arg;
    struct svl_vif_stats *v;
    char *front = NULL, *back = NULL, *mac = NULL, *steering = NULL, bdf[SV_BDF_SIZE];
    unsigned pool, q[XNIC_MAX_QUEUES], nq;
    uint32_t backend;

    if (j->st->nr_vifs == SVL_MAX_VIF_STATS)
        return;
    v = &j->st->vifs[j->st->nr_vifs];
    memset(v, 0, sizeof(*v));
    v->devid = (unsigned)atoi(devid);
    front = svl_read_shown(h, dir, "frontend");
    back = svl_read_shown(h, dir, "backend");
    if (front && (mac = svl_read_shown(h, front, "mac")))
        snprintf(v->mac, sizeof(v->mac), "%s", mac);
    if (back && (steering = svl_read_shown(h, back, SV_XS_STEERING)))
        snprintf(v->steering, sizeof(v->steering), "%s", steering);
    j->st->nr_vifs++;
    /* The backend directory is dom0's word (the toolstack's own path); the
     * pool number the driver domain wrote only picks among its own queues. */
    if (!back || sscanf(back, "/local/domain/%u/", &backend) != 1 || !steering ||
        sscanf(steering, "pool %u", &pool) != 1 || backend_pf(j->ctx, backend, bdf) < 0 ||
        svl_pci_stats(j->ctx, bdf, &fs) < 0)
        goto out;
    nq = vif_queues(h, back, pool, q);
    for (unsigned i = 0; i < nq; i++) {
        if (q[i] >= fs.nqueues || q[i] >= XNIC_MAX_QUEUES)
            continue;
        v->rx_packets += fs.queue[q[i]].rx_packets;
        v->rx_bytes += fs.queue[q[i]].rx_bytes;
        v->tx_packets += fs.queue[q[i]].tx_packets;
        v->tx_bytes += fs.queue[q[i]].tx_bytes;
        v->rx_dropped += fs.queue[q[i]].rx_no_buf + fs.queue[q[i]].rx_errors;
        v->tx_dropped += fs.queue[q[i]].tx_errors + fs.queue[q[i]].tx_spoofed;
    }
    v->counted = true;
out:
    free(front);
    free(back);
    free(mac);
    free(steering);
}

int svl_domain_stats(struct svl_ctx *ctx, uint32_t domid, struct svl_domstats *st)
{
    struct sv_domctl_lookup l = {.domid = domid};
    xc_domaininfo_t info;
    int err;

    memset(st, 0, sizeof(*st));
    if (xc_domain_getinfolist(ctx->xch, domid, 1, &info) != 1 || info.domain != domid)
        return svl_fail(ctx, -ESRCH, "no domain %u", domid);
    if ((err = hcall_domctl_lookup(ctx->chan, &l)) < 0)
        return svl_fail(ctx, err, "no domain %u", domid);
    st->domid = domid;
    snprintf(st->name, sizeof(st->name), "%s", l.name);
    st->info = info;
    if (l.pid && sv_cgroup_memory_used((pid_t)l.pid, &st->memory_used) == 0)
        st->has_memory_used = true;
    if (domid == 0)
        return 0;
    err = svl_for_each_device(SVL_VIF_DIRS, domid, vif_one,
                              &(struct stats_job){.ctx = ctx, .st = st});
    return err < 0 ? svl_fail(ctx, err, "%s: cannot read xenstore", l.name) : 0;
}
