/*
 * The part of libxenctrl (Debian's xenctrl.h prototypes) that Splitvisor
 * implements: the interface handle, domain information, pause, unpause,
 * destroy, shutdown, the hypervisor console ring and host information.
 * Functions return 0 (or a count) on success and -1 with errno on failure,
 * as libxenctrl does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenctrl.h>

#include "sv/hcall.h"

struct xc_interface_core {
    int chan;
};

static int fail(int err)
{
    errno = -err;
    return -1;
}

static int ret_of(int err)
{
    return err < 0 ? fail(err) : err;
}

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                unsigned open_flags)
{
    xc_interface *xch = calloc(1, sizeof(*xch));

    (void)logger;
    (void)dombuild_logger;
    (void)open_flags;
    if (!xch)
        return NULL;
    xch->chan = hcall_open();
    if (xch->chan < 0) {
        int err = xch->chan;

        free(xch);
        errno = -err;
        return NULL;
    }
    return xch;
}

int xc_interface_close(xc_interface *xch)
{
    if (!xch)
        return 0;
    close(xch->chan);
    free(xch);
    return 0;
}

int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains,
                          xc_domaininfo_t *info)
{
    struct sv_domctl_getinfo q = {.first_domid = first_domain, .max = max_domains};
    struct hcall_io io = {.res = info, .res_cap = (size_t)max_domains * sizeof(*info)};

    return ret_of(hcall_domctl_getinfo_v(xch->chan, &q, 1, &io));
}

static void dominfo_from(xc_dominfo_t *out, const xc_domaininfo_t *in)
{
    memset(out, 0, sizeof(*out));
    out->domid = in->domain;
    out->dying = !!(in->flags & XEN_DOMINF_dying);
    out->shutdown = !!(in->flags & XEN_DOMINF_shutdown);
    out->paused = !!(in->flags & XEN_DOMINF_paused);
    out->blocked = !!(in->flags & XEN_DOMINF_blocked);
    out->running = !!(in->flags & XEN_DOMINF_running);
    out->shutdown_reason = (in->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    out->crashed = out->shutdown && out->shutdown_reason == SHUTDOWN_crash;
    out->nr_pages = in->tot_pages;
    out->nr_shared_pages = in->shr_pages;
    out->cpu_time = in->cpu_time;
    out->max_memkb = in->max_pages * 4;
    out->nr_online_vcpus = in->nr_online_vcpus;
    out->max_vcpu_id = in->max_vcpu_id;
    memcpy(out->handle, in->handle, sizeof(out->handle));
}

int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms,
                      xc_dominfo_t *info)
{
    xc_domaininfo_t *raw = calloc(max_doms ? max_doms : 1, sizeof(*raw));
    int n;

    if (!raw)
        return fail(-ENOMEM);
    n = xc_domain_getinfolist(xch, first_domid, max_doms, raw);
    for (int i = 0; i < n; i++)
        dominfo_from(&info[i], &raw[i]);
    free(raw);
    return n;
}

static int domctl(xc_interface *xch, int (*call)(int chan, struct sv_domctl *arg), uint32_t domid)
{
    struct sv_domctl c = {.domid = domid};

    return ret_of(call(xch->chan, &c));
}

int xc_domain_pause(xc_interface *xch, uint32_t domid)
{
    return domctl(xch, hcall_domctl_pause, domid);
}

int xc_domain_unpause(xc_interface *xch, uint32_t domid)
{
    return domctl(xch, hcall_domctl_unpause, domid);
}

int xc_domain_destroy(xc_interface *xch, uint32_t domid)
{
    return domctl(xch, hcall_domctl_destroy, domid);
}

int xc_domain_shutdown(xc_interface *xch, uint32_t domid, int reason)
{
    sched_remote_shutdown_t s = {.domain_id = (domid_t)domid, .reason = (unsigned)reason};

    return ret_of(hcall_sched_remote_shutdown(xch->chan, &s));
}

int xc_readconsolering(xc_interface *xch, char *buffer, unsigned int *pnr_chars, int clear,
                       int incremental, uint32_t *pindex)
{
    struct {
        struct sv_sysctl_readconsole r;
        char text[SV_HC_MAX_MSG];
    } res;
    struct sv_sysctl_readconsole q = {.clear = (uint32_t)clear,
                                      .index = incremental && pindex ? *pindex : 0};
    struct hcall_io io = {.res = &res, .res_cap = sizeof(res)};
    int err = hcall_sysctl_readconsole_v(xch->chan, &q, 1, &io);
    size_t n;

    if (err < 0)
        return fail(err);
    /* A reply without its header is the hypervisor's fault, not an empty log. */
    if (io.res_len < sizeof(res.r))
        return fail(-EPROTO);
    n = io.res_len - sizeof(res.r);
    if (n > *pnr_chars)
        n = *pnr_chars;
    memcpy(buffer, res.text, n);
    *pnr_chars = (unsigned)n;
    if (pindex)
        *pindex = res.r.index;
    return 0;
}

int xc_physinfo(xc_interface *xch, xc_physinfo_t *info)
{
    struct sv_sysctl_physinfo p;
    int err = hcall_sysctl_physinfo(xch->chan, &p);

    if (err < 0)
        return fail(err);
    memset(info, 0, sizeof(*info));
    info->threads_per_core = 1;
    info->cores_per_socket = p.nr_cpus;
    info->nr_cpus = p.nr_cpus;
    info->total_pages = p.total_pages;
    info->free_pages = p.free_pages;
    return 0;
}
