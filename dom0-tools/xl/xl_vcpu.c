/*
 * xl vcpu-list, vcpu-pin, mem-set, mem-max: what a domain may use of the
 * host's CPUs and memory, in Xen's forms, over libsvl (a VCPU is a thread
 * of the domain's process; memory is its memory cgroup's).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sv/util.h"
#include "xl.h"

static void list_one(uint32_t domid, const char *name)
{
    static struct svl_vcpu v[SVL_MAX_VCPUS];
    int n = svl_vcpu_list(&xl_ctx, domid, v, SVL_MAX_VCPUS);

    svl_error_clear(&xl_ctx); /* a domain not running has no VCPUs to show */
    for (int i = 0; i < n; i++) {
        char affinity[256];

        svl_format_cpus(&v[i].affinity, affinity, sizeof(affinity));
        printf("%-32s %5u %5d %5d   %c %9.1f  %s / all\n", name, domid, i, v[i].cpu,
               v[i].state == 'R'   ? 'r'
               : v[i].state == '-' ? '-'
                                   : 'b',
               v[i].time_s, affinity);
    }
}

int cmd_vcpu_list(int argc, char **argv)
{
    char(*names)[SV_DOMAIN_NAME_MAX];
    struct xl_domset set;
    int status;

    if ((status = xl_domset_parse(1, argc, argv, &set)))
        return status;
    if (set.n == 0) { /* every domain but the host */
        static xc_domaininfo_t info[XL_DOMSET_MAX + 1];
        int n = xc_domain_getinfolist(xl_ctx.xch, 1, XL_DOMSET_MAX, info);

        if (n < 0)
            return xl_error("cannot list domains: %s", strerror(errno));
        for (int i = 0; i < n; i++)
            set.ids[set.n++] = info[i].domain;
    }
    names = calloc((size_t)set.n + 1, sizeof(*names));
    if (!names || (status = svl_domnames(&xl_ctx, set.ids, set.n, names)) < 0) {
        free(names);
        return xl_error("cannot read the domains' names");
    }
    printf("%-32s %5s %5s %5s %5s %9s  %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
           "Affinity (Hard / Soft)");
    for (int i = 0; i < set.n; i++)
        if (set.ids[i] != 0)
            list_one(set.ids[i], names[i]);
    free(names);
    return 0;
}

int cmd_vcpu_pin(int argc, char **argv)
{
    unsigned long vcpu = 0;
    cpu_set_t cpus;
    uint32_t domid;
    int err;

    /* Xen's soft affinity (a 4th operand) is "all" here: taken when it says so. */
    if (argc == 5 && strcmp(argv[4], "all") && strcmp(argv[4], "-"))
        return xl_error("vcpu-pin: soft affinity '%s': only 'all' (the scheduler's is the "
                        "host's)",
                        argv[4]);
    if ((err = xl_domain_arg(argc == 5 ? 4 : argc, argv, 2, &domid)))
        return err;
    if (strcmp(argv[2], "all") && !sv_parse_uint(argv[2], SVL_MAX_VCPUS - 1, &vcpu))
        return xl_error("vcpu-pin: '%s' is not a VCPU number or 'all'", argv[2]);
    if ((err = svl_parse_cpus(argv[3], &cpus)) < 0)
        return xl_error("vcpu-pin: '%s' is not 'all' or a list of this host's CPUs (0-%ld)",
                        argv[3], sysconf(_SC_NPROCESSORS_CONF) - 1);
    err = svl_vcpu_pin(&xl_ctx, domid, strcmp(argv[2], "all") ? (int)vcpu : -1, &cpus);
    return err < 0 ? xl_svl_error() : 0;
}

/* Xen's memory size: a number of MiB, or with a suffix b, k, m, g (any case). */
static int parse_mib(const char *text, uint64_t *mib)
{
    unsigned long long n;
    char *end;

    if (!isdigit((unsigned char)text[0]))
        return -EINVAL;
    errno = 0;
    n = strtoull(text, &end, 10);
    if (errno || (end[0] && end[1]))
        return -EINVAL;
    switch (tolower((unsigned char)end[0])) {
    case 'b':
        n >>= 20;
        break;
    case 'k':
        n >>= 10;
        break;
    case '\0':
    case 'm':
        break;
    case 'g':
        if (n > (1ULL << 40))
            return -ERANGE;
        n <<= 10;
        break;
    default:
        return -EINVAL;
    }
    *mib = n;
    return 0;
}

static int memory(int argc, char **argv, bool max)
{
    uint32_t domid;
    uint64_t mib;
    int err;

    if ((err = xl_domain_arg(argc, argv, 1, &domid)))
        return err;
    if (parse_mib(argv[2], &mib) < 0)
        return xl_error("%s: '%s' is not a size (MiB, or a number with b, k, m, g)",
                        max ? "mem-max" : "mem-set", argv[2]);
    return svl_memory_set(&xl_ctx, domid, mib, max) < 0 ? xl_svl_error() : 0;
}

int cmd_mem_set(int argc, char **argv)
{
    return memory(argc, argv, false);
}

int cmd_mem_max(int argc, char **argv)
{
    return memory(argc, argv, true);
}
