/*
 * xl sched-credit: Xen's credit scheduler parameters of each domain, on its
 * own cpu cgroup: the weight (cpu.shares / cpu.weight, as cpu_weight of the
 * description sets it at create) and the cap, in percent of one CPU
 * (cpu.cfs_quota_us / cpu.max).  A weight set here is kept in the
 * description (dumpxml, a restart); a cap lives as long as the domain.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sv/cgroup.h"
#include "sv/hcall.h"
#include "sv/util.h"
#include "xl.h"

#define XL_SCHED_MAX_DOMAINS 256

static void print_one(uint32_t domid)
{
    struct sv_domctl_lookup l = {.domid = domid};
    unsigned weight, cap;

    if (hcall_domctl_lookup(xl_ctx.chan, &l) < 0)
        return;
    if (domid == 0) /* the host: the cgroup default, uncapped */
        printf("%-33s %4u %6u %4u\n", l.name, domid, CONFIG_DEFAULT_CPU_WEIGHT, 0);
    else if (l.pid && sv_cgroup_cpu_get((pid_t)l.pid, &weight, &cap) == 0)
        printf("%-33s %4u %6u %4u\n", l.name, domid, weight, cap);
    else
        printf("%-33s %4u %6s %4s\n", l.name, domid, "-", "-");
}

/* -w and -c for domain domid: 0 or the exit status (said). */
static int set(uint32_t domid, const char *name)
{
    struct sv_domctl_lookup l = {.domid = domid};
    unsigned long weight = 0, cap = 0;
    struct domain_config cfg;
    int err;

    if (xl_opt('w') && (!sv_parse_uint(xl_optarg('w'), 65535, &weight) || weight == 0))
        return xl_error("sched-credit: a weight is 1..65535, not '%s'", xl_optarg('w'));
    if (xl_opt('c') &&
        !sv_parse_uint(xl_optarg('c'), 100UL * (unsigned long)sysconf(_SC_NPROCESSORS_ONLN), &cap))
        return xl_error("sched-credit: a cap is 0..%ld (%% of one CPU), not '%s'",
                        100 * sysconf(_SC_NPROCESSORS_ONLN), xl_optarg('c'));
    if (domid == 0)
        return xl_error("sched-credit: Domain-0 is the host: its scheduling is not ours");
    err = hcall_domctl_lookup(xl_ctx.chan, &l);
    if (!err && !l.pid)
        return xl_error("%s is not running", name);
    if (!err && xl_opt('w'))
        err = sv_cgroup_cpu_weight((pid_t)l.pid, (unsigned)weight);
    if (!err && xl_opt('c'))
        err = sv_cgroup_cpu_cap((pid_t)l.pid, (unsigned)cap);
    if (err == -ENOENT)
        return xl_error("%s has no cpu cgroup of its own on this host", name);
    if (err)
        return xl_error("sched-credit: %s: %s", name, strerror(-err));
    if (xl_opt('w') && svl_userdata_load(domid, &cfg) == 0) {
        cfg.cpu_weight = (unsigned)weight;
        if (svl_userdata_save(domid, &cfg) < 0)
            xl_warn("%s: the weight is set but not kept in its description", name);
        config_free(&cfg);
    }
    return 0;
}

int cmd_sched_credit(int argc, char **argv)
{
    static xc_domaininfo_t info[XL_SCHED_MAX_DOMAINS];
    uint32_t domid;
    int n;

    (void)argv;
    if (argc != 1 || ((xl_opt('w') || xl_opt('c')) && !xl_opt('d')))
        return xl_usage();
    if (xl_opt('d') && xl_domid(xl_optarg('d'), &domid) < 0)
        return 1;
    if (xl_opt('w') || xl_opt('c'))
        return set(domid, xl_optarg('d'));
    printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
    if (xl_opt('d')) {
        print_one(domid);
        return 0;
    }
    n = xc_domain_getinfolist(xl_ctx.xch, 0, XL_SCHED_MAX_DOMAINS, info);
    if (n < 0)
        return xl_error("cannot list domains: %s", strerror(errno));
    for (int i = 0; i < n; i++)
        print_one(info[i].domain);
    return 0;
}
