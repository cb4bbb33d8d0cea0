/*
 * xl domstats [DOMAIN...]: each domain's counters as one JSON array, as
 * virsh domstats and domifstat give them: state, CPU time, VCPUs, memory
 * given and used, and per vif the packets, bytes and drops of the NIC
 * queues that serve it (libsvl's svl_domain_stats).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xl.h"

static const char *state_of(const xc_domaininfo_t *info)
{
    unsigned reason = (info->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;

    if (info->flags & XEN_DOMINF_dying)
        return "dying";
    if (info->flags & XEN_DOMINF_shutdown)
        return reason == SHUTDOWN_crash ? "crashed" : "shutdown";
    return info->flags & XEN_DOMINF_paused ? "paused" : "running";
}

static void print_vif(const struct svl_vif_stats *v, bool last)
{
    printf("      {\"devid\": %u, \"mac\": ", v->devid);
    config_json_string(stdout, v->mac);
    printf(", \"steering\": ");
    config_json_string(stdout, v->steering);
    if (v->counted)
        printf(", \"rx_packets\": %llu, \"rx_bytes\": %llu, \"rx_dropped\": %llu, "
               "\"tx_packets\": %llu, \"tx_bytes\": %llu, \"tx_dropped\": %llu",
               (unsigned long long)v->rx_packets, (unsigned long long)v->rx_bytes,
               (unsigned long long)v->rx_dropped, (unsigned long long)v->tx_packets,
               (unsigned long long)v->tx_bytes, (unsigned long long)v->tx_dropped);
    printf("}%s\n", last ? "" : ",");
}

static void print_one(const struct svl_domstats *st, bool first)
{
    printf("%s  {\n    \"domid\": %u,\n    \"name\": ", first ? "" : ",\n", st->domid);
    config_json_string(stdout, st->name);
    printf(",\n    \"state\": \"%s\",\n    \"cpu_time_ns\": %llu,\n    \"vcpus\": %u,\n",
           state_of(&st->info), (unsigned long long)st->info.cpu_time, st->info.nr_online_vcpus);
    printf("    \"memory_kb\": %llu,\n", (unsigned long long)st->info.tot_pages * 4);
    if (st->has_memory_used)
        printf("    \"memory_used_kb\": %llu,\n", st->memory_used >> 10);
    printf("    \"vifs\": [%s", st->nr_vifs ? "\n" : "");
    for (unsigned i = 0; i < st->nr_vifs; i++)
        print_vif(&st->vifs[i], i + 1 == st->nr_vifs);
    printf("%s]\n  }", st->nr_vifs ? "    " : "");
}

int cmd_domstats(int argc, char **argv)
{
    static xc_domaininfo_t info[XL_DOMSET_MAX];
    static struct svl_domstats st;
    struct xl_domset set;
    bool first = true;
    int n, status;

    if ((status = xl_domset_parse(1, argc, argv, &set)))
        return status;
    n = xc_domain_getinfolist(xl_ctx.xch, 1, XL_DOMSET_MAX, info);
    if (n < 0)
        return xl_error("cannot list domains: %s", strerror(errno));
    printf("[\n");
    for (int i = 0; i < n; i++) {
        if (!xl_domset_has(&set, info[i].domain))
            continue;
        if (svl_domain_stats(&xl_ctx, info[i].domain, &st) < 0) {
            svl_error_clear(&xl_ctx); /* gone since it was listed */
            continue;
        }
        print_one(&st, first);
        first = false;
    }
    printf("%s]\n", first ? "" : "\n");
    return 0;
}
