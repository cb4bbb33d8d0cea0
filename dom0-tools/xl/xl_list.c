/* xl list, domid, domname, dmesg: reading what the hypervisor knows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/cgroup.h"
#include "xl.h"

#define XL_MAX_DOMAINS 1024

static void state_string(const xc_domaininfo_t *info, char out[7])
{
    unsigned reason = (info->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    bool shutdown = info->flags & XEN_DOMINF_shutdown;

    snprintf(out, 7, "%c%c%c%c%c%c", (info->flags & XEN_DOMINF_running) ? 'r' : '-',
             (info->flags & XEN_DOMINF_blocked) ? 'b' : '-',
             (info->flags & XEN_DOMINF_paused) ? 'p' : '-',
             shutdown && reason != SHUTDOWN_crash ? 's' : '-',
             shutdown && reason == SHUTDOWN_crash ? 'c' : '-',
             (info->flags & XEN_DOMINF_dying) ? 'd' : '-');
}

/* What the domain's process really uses (its memory cgroup's charge: RAM it
 * touched, its own heap, stacks...), where Mem shows what it was given. */
static void print_used_memory(uint32_t domid)
{
    unsigned long long bytes;
    pid_t pid;

    if (svl_domain_pid(&xl_ctx, domid, &pid) == 0 && sv_cgroup_memory_used(pid, &bytes) == 0)
        printf("\"used_memory_kb\": %llu, ", bytes >> 10);
}

/* xl list -l: the kept description of each domain, as one JSON array. */
static int list_long(const xc_domaininfo_t *info, int n, const struct xl_domset *set)
{
    bool first = true;

    printf("[\n");
    for (int i = 0; i < n; i++) {
        struct domain_config cfg;

        if (info[i].domain == 0 || !xl_domset_has(set, info[i].domain) ||
            svl_userdata_load(info[i].domain, &cfg) < 0)
            continue;
        printf("%s{\"domid\": %u, ", first ? "" : ",\n", info[i].domain);
        print_used_memory(info[i].domain);
        printf("\"config\": ");
        config_to_json(&cfg, stdout);
        printf("}");
        config_free(&cfg);
        first = false;
    }
    printf("\n]\n");
    return 0;
}

/* xl list -v's columns past Xen's six: the UUID and, for a domain that shut
 * down, the reason code (Xen's SHUTDOWN_*). */
static void print_verbose(const xc_domaininfo_t *info)
{
    char uuid[40] = "-", reason[8] = "-";
    struct domain_config cfg;

    if (info->domain == 0)
        snprintf(uuid, sizeof(uuid), "%s", "00000000-0000-0000-0000-000000000000");
    else if (svl_userdata_load(info->domain, &cfg) == 0) {
        snprintf(uuid, sizeof(uuid), "%s", cfg.uuid);
        config_free(&cfg);
    }
    if (info->flags & XEN_DOMINF_shutdown)
        snprintf(reason, sizeof(reason), "%u",
                 (info->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask);
    printf(" %-36s %11s", uuid, reason);
}

int cmd_list(int argc, char **argv)
{
    bool longform = xl_opt('l'), verbose = xl_opt('v');
    xc_domaininfo_t *info;
    xc_physinfo_t pi = {0};
    struct xl_domset set;
    char(*names)[SV_DOMAIN_NAME_MAX];
    uint32_t *ids;
    int n, status;

    if ((status = xl_domset_parse(1, argc, argv, &set)))
        return status;
    info = calloc(XL_MAX_DOMAINS, sizeof(*info));
    if (!info)
        return xl_error("out of memory");
    n = xc_domain_getinfolist(xl_ctx.xch, 0, XL_MAX_DOMAINS, info);
    xc_physinfo(xl_ctx.xch, &pi);
    if (n < 0) {
        free(info);
        return xl_error("cannot list domains: %s", strerror(errno));
    }
    if (longform) {
        list_long(info, n, &set);
        free(info);
        return 0;
    }
    /* Every name in one call: a lookup each cost a round trip per domain. */
    names = calloc((size_t)n + 1, sizeof(*names));
    ids = calloc((size_t)n + 1, sizeof(*ids));
    for (int i = 0; ids && i < n; i++)
        ids[i] = info[i].domain;
    status = names && ids ? svl_domnames(&xl_ctx, ids, n, names) : -ENOMEM;
    if (status < 0) {
        free(names);
        free(ids);
        free(info);
        return xl_error("cannot read the domains' names: %s", strerror(-status));
    }
    printf("%-40s %5s %5s %5s %6s %9s", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
    printf(verbose ? " %-36s %11s\n" : "\n", "UUID", "Reason-Code");
    for (int i = 0; i < n; i++) {
        char state[7];
        /* dom0 owns the host's memory; a domain its RAM and shared frames. */
        uint64_t pages = info[i].domain == 0 ? pi.total_pages : info[i].tot_pages;

        if (!xl_domset_has(&set, info[i].domain))
            continue;
        state_string(&info[i], state);
        printf("%-40s %5u %5llu %5u %6s %9.1f", names[i][0] ? names[i] : "?", info[i].domain,
               (unsigned long long)(pages / 256), info[i].nr_online_vcpus, state,
               (double)info[i].cpu_time / 1e9);
        if (verbose)
            print_verbose(&info[i]);
        putchar('\n');
    }
    free(names);
    free(ids);
    free(info);
    return 0;
}

int cmd_domid(int argc, char **argv)
{
    uint32_t domid;
    int status = xl_domain_arg(argc, argv, 0, &domid);

    if (status)
        return status;
    printf("%u\n", domid);
    return 0;
}

int cmd_domname(int argc, char **argv)
{
    char name[SV_DOMAIN_NAME_MAX];
    uint32_t id;

    if (argc != 2)
        return xl_usage();
    if (!svl_parse_domid(argv[1], &id))
        return xl_error("'%s' is not a domain id", argv[1]);
    if (svl_domname(&xl_ctx, id, name, sizeof(name)) < 0)
        return xl_error("no domain %u", id);
    printf("%s\n", name);
    return 0;
}

int cmd_dmesg(int argc, char **argv)
{
    bool clear = xl_opt('c');
    static char buf[SV_HC_MAX_MSG];
    uint32_t index = 0;

    (void)argv;
    if (argc != 1)
        return xl_usage();
    for (;;) {
        unsigned n = sizeof(buf);

        if (xc_readconsolering(xl_ctx.xch, buf, &n, 0, 1, &index) < 0)
            return xl_error("cannot read the hypervisor log: %s", strerror(errno));
        if (n == 0)
            break;
        fwrite(buf, 1, n, stdout);
    }
    if (clear) {
        unsigned n = 0;

        xc_readconsolering(xl_ctx.xch, buf, &n, 1, 1, &index);
    }
    return 0;
}
