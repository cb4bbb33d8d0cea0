/*
 * xl sched-credit: Xen's credit scheduler parameters of each domain, on its
 * own cpu cgroup (libsvl): the weight (cpu.shares / cpu.weight, as
 * cpu_weight of the description sets it at create) and the cap, in percent
 * of one CPU (cpu.cfs_quota_us / cpu.max).  A weight set here is kept in the
 * description (dumpxml, a restart); a cap lives as long as the domain.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sv/util.h"
#include "xl.h"

#define XL_SCHED_MAX_DOMAINS 256

static void print_one(uint32_t domid)
{
    char name[SV_DOMAIN_NAME_MAX];
    unsigned weight, cap;

    if (svl_domname(&xl_ctx, domid, name, sizeof(name)) < 0)
        return;
    if (svl_sched_credit_get(&xl_ctx, domid, &weight, &cap) == 0)
        printf("%-33s %4u %6u %4u\n", name, domid, weight, cap);
    else
        printf("%-33s %4u %6s %4s\n", name, domid, "-", "-");
    svl_error_clear(&xl_ctx);
}

/* -w and -c for domain domid: 0 or the exit status (said). */
static int set(uint32_t domid)
{
    unsigned long weight = 0, cap = 0;

    if (xl_opt('w') && (!sv_parse_uint(xl_optarg('w'), 65535, &weight) || weight == 0))
        return xl_error("sched-credit: a weight is 1..65535, not '%s'", xl_optarg('w'));
    if (xl_opt('c') &&
        !sv_parse_uint(xl_optarg('c'), 100UL * (unsigned long)sysconf(_SC_NPROCESSORS_ONLN), &cap))
        return xl_error("sched-credit: a cap is 0..%ld (%% of one CPU), not '%s'",
                        100 * sysconf(_SC_NPROCESSORS_ONLN), xl_optarg('c'));
    return svl_sched_credit_set(&xl_ctx, domid, xl_opt('w') ? (int)weight : -1,
                                xl_opt('c') ? (int)cap : -1) < 0
               ? xl_svl_error()
               : 0;
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
        return set(domid);
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
