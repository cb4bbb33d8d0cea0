/*
 * PCI functions of the xnic device models: the hypervisor's PCI table, the
 * functions made assignable, and their assignment to domains, at create
 * (a description's `pci = [...]` / <hostdev>) and hot-plugged, with the
 * kept description following; and the host's PF driver (hostpf), which
 * holds a PF that is not assignable to configure its VFs.
 */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sv/abi/xnic.h"
#include "sv/hcall.h"
#include "sv/pidfile.h"
#include "sv/util.h"
#include "svl_internal.h"

extern char **environ;

typedef int pci_stub_fn(int chan, struct sv_pci_req *arg);

static int pci_call(struct svl_ctx *ctx, pci_stub_fn *call, uint32_t domid, const char *bdf)
{
    struct sv_pci_req r = {.domid = domid};

    snprintf(r.bdf, sizeof(r.bdf), "%s", bdf);
    return call(ctx->chan, &r);
}

const char *svl_pci_strerror(int err)
{
    switch (err) {
    case -ENODEV:
        return "no such PCI function (see xl pci-assignable-list)";
    case -EPERM:
        return "not assignable (xl pci-assignable-add it first)";
    case -EBUSY:
        return "assigned to a domain";
    case -ENOENT:
        return "not assigned to that domain";
    default:
        return strerror(-err);
    }
}

int svl_pci_funcs(struct svl_ctx *ctx, struct sv_pci_func *funcs, int max)
{
    return hcall_pci_funcs(ctx->chan, funcs, max);
}

int svl_pci_assign(struct svl_ctx *ctx, uint32_t domid, const char *bdf, bool take_over)
{
    int err = pci_call(ctx, take_over ? hcall_pci_take_over : hcall_pci_attach, domid, bdf);

    return err < 0 ? svl_fail(ctx, err, "pci %s: %s", bdf, svl_pci_strerror(err)) : 0;
}

int svl_pci_deassign(struct svl_ctx *ctx, uint32_t domid, const char *bdf)
{
    return pci_call(ctx, hcall_pci_detach, domid, bdf);
}

int svl_pci_stats(struct svl_ctx *ctx, const char *bdf, struct xnic_func_stats *st)
{
    struct sv_pci_req r = {0};
    struct hcall_io io = {.res = st, .res_cap = sizeof(*st)};

    snprintf(r.bdf, sizeof(r.bdf), "%s", bdf);
    return hcall_pci_stats_v(ctx->chan, &r, 1, &io);
}

#define SVL_MAX_FUNCS 128

int svl_pci_check(struct svl_ctx *ctx, const char *bdf)
{
    static struct sv_pci_func funcs[SVL_MAX_FUNCS];
    int n = svl_pci_funcs(ctx, funcs, SVL_MAX_FUNCS);

    for (int i = 0; i < n; i++) {
        if (strcmp(funcs[i].bdf, bdf))
            continue;
        if (!funcs[i].assignable)
            return -EPERM;
        return funcs[i].owner == DOMID_INVALID ? 0 : -EBUSY;
    }
    return n < 0 ? n : -ENODEV;
}

int svl_pci_plug(struct svl_ctx *ctx, uint32_t domid, const char *name,
                 const struct config_pci *pci, bool take_over)
{
    int err = svl_vf_plug(ctx, domid, name, pci);

    return err == 1 ? svl_pci_assign(ctx, domid, pci->bdf, take_over) : err;
}

/* The function spec names, normalized as descriptions keep it: to attach,
 * with its options, against the domain's own description (failover= names
 * one of its vifs, whose MAC and VLAN the VF takes); otherwise its address
 * alone. */
static int parse_spec(struct svl_ctx *ctx, uint32_t domid, const char *spec, bool attach,
                      struct config_pci *pci)
{
    static struct domain_config cfg;
    struct config_error cerr;
    char bdf[32];

    if (!attach || svl_userdata_load(domid, &cfg) < 0)
        config_init(&cfg);
    if (!attach) {
        snprintf(bdf, sizeof(bdf), "%.*s", (int)strcspn(spec, ","), spec);
        spec = bdf;
    }
    if (config_add_pci_spec(&cfg, spec, &cerr) < 0) {
        config_free(&cfg);
        return svl_config_fail(ctx, -EINVAL, &cerr);
    }
    *pci = cfg.pcis[cfg.nr_pcis - 1];
    config_free(&cfg);
    return 0;
}

int svl_hostpf_start(struct svl_ctx *ctx, const char *bdf)
{
    char exe[256], prog[300];
    char *argv[] = {"hostpf", (char *)bdf, NULL};
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    int status, err;
    pid_t pid;

    if (n < 0)
        return svl_fail(ctx, -errno, "PF %s: cannot find hostpf: %s", bdf, strerror(errno));
    exe[n] = '\0';
    snprintf(prog, sizeof(prog), "%s/hostpf", dirname(exe));
    if ((err = posix_spawn(&pid, prog, NULL, NULL, argv, environ)))
        return svl_fail(ctx, -err, "PF %s: cannot run %s: %s", bdf, prog, strerror(err));
    /* It returns once it serves (its reason on stderr otherwise). */
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
        return svl_fail(ctx, -EIO, "PF %s: the host's PF driver (hostpf) did not start", bdf);
    svl_log(ctx, SVL_INFO, "PF %s: the host drives it (hostpf) to configure its VFs", bdf);
    return 0;
}

/* The host's PF driver for bdf lets go of it (it detaches the PF), if one runs. */
static void hostpf_stop(struct svl_ctx *ctx, const char *bdf)
{
    char rel[64], path[300];
    int pidfd;

    snprintf(rel, sizeof(rel), "hostpf-%s.pid", bdf);
    if (sv_rundir_path(path, sizeof(path), rel) < 0 || (pidfd = sv_pidfile_pidfd(path)) < 0)
        return;
    if (sv_pidfd_stop(pidfd, SIGTERM, 5000) < 0)
        svl_log(ctx, SVL_WARN, "PF %s: hostpf did not end", bdf);
    else
        svl_log(ctx, SVL_INFO, "PF %s: the host let go of it", bdf);
    close(pidfd);
}

/* A function by its BDF, short (03:00.0) or whole (0000:03:00.0), as xl.cfg
 * and pci-attach take it; options after a comma are not a BDF's. */
static int bdf_call(struct svl_ctx *ctx, pci_stub_fn *call, const char *bdf)
{
    struct config_pci pci;
    int err;

    if (strchr(bdf, ','))
        return svl_fail(ctx, -EINVAL, "'%s' is not a BDF", bdf);
    if ((err = parse_spec(ctx, 0, bdf, false, &pci)))
        return err;
    err = pci_call(ctx, call, 0, pci.bdf);
    return err < 0 ? svl_fail(ctx, err, "%s: %s", pci.bdf, svl_pci_strerror(err)) : 0;
}

/* One the host's PF driver holds is taken from it first, as pciback
 * seizes a device from its dom0 driver. */
int svl_pci_assignable(struct svl_ctx *ctx, const char *bdf, bool add)
{
    struct config_pci pci;

    if (add && !strchr(bdf, ',') && parse_spec(ctx, 0, bdf, false, &pci) == 0)
        hostpf_stop(ctx, pci.bdf);
    return bdf_call(ctx, add ? hcall_pci_assignable_add : hcall_pci_assignable_remove, bdf);
}

int svl_pci_reset(struct svl_ctx *ctx, const char *bdf)
{
    return bdf_call(ctx, hcall_pci_reset, bdf);
}

/* The domain's kept description follows a hot-plug, as libxl's does: xl
 * list -l, dumpxml and a restart by the monitor see the change.  The
 * function stays plugged when the description cannot say so (a warning). */
static void keep_pci(struct svl_ctx *ctx, uint32_t domid, const char *spec, const char *bdf,
                     bool attached)
{
    struct domain_config cfg;
    struct config_error cerr;
    int err;

    if (svl_userdata_load(domid, &cfg) < 0)
        return;
    err = attached ? config_add_pci_spec(&cfg, spec, &cerr) : config_remove_pci(&cfg, bdf);
    if (err)
        svl_log(ctx, SVL_WARN,
                "%s is %s, but the description of %s cannot say so (%s): a restart will %s it", bdf,
                attached ? "attached" : "detached", cfg.name,
                attached ? cerr.message : strerror(-err), attached ? "lose" : "attach");
    else if ((err = svl_userdata_save(domid, &cfg)) < 0)
        svl_log(ctx, SVL_WARN, "cannot keep the description of %s: %s", cfg.name, strerror(-err));
    config_free(&cfg);
}

int svl_pci_attach(struct svl_ctx *ctx, uint32_t domid, const char *spec)
{
    struct config_pci pci;
    char name[SV_DOMAIN_NAME_MAX];
    int err;

    if ((err = parse_spec(ctx, domid, spec, true, &pci)))
        return err;
    if ((err = svl_domname(ctx, domid, name, sizeof(name))) < 0)
        return svl_fail(ctx, err, "domain %u: %s", domid, strerror(-err));
    if ((err = svl_pci_plug(ctx, domid, name, &pci, false)) < 0)
        return err;
    keep_pci(ctx, domid, spec, pci.bdf, true);
    return 0;
}

/* Forced, the function goes first (reset) and nobody is asked: the guest
 * and the PF owner find it gone, as after a surprise removal. */
int svl_pci_detach(struct svl_ctx *ctx, uint32_t domid, const char *spec, bool force)
{
    struct config_pci pci;
    int err;

    if ((err = parse_spec(ctx, domid, spec, false, &pci)))
        return err;
    if (!force)
        svl_vf_unplug(ctx, domid, pci.bdf, true);
    if ((err = svl_pci_deassign(ctx, domid, pci.bdf)) < 0)
        return svl_fail(ctx, err, "%s: %s", pci.bdf, svl_pci_strerror(err));
    if (force)
        svl_vf_unplug(ctx, domid, pci.bdf, false);
    keep_pci(ctx, domid, spec, pci.bdf, false);
    return 0;
}
