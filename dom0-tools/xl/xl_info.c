/*
 * xl info [-n]: the host in Xen 4.17's fields and order, which scripts read
 * by name (xen_version, xen_caps, xen_scheduler, total_memory...), then
 * ours.  What has no meaning here gets Xen's empty or zero value; -n adds
 * the CPU and NUMA topology from sysfs, in Xen's layout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "xl.h"

/* The Xen whose ABI (Debian's libxen-dev headers) domains and tools see. */
#define XL_XEN_MAJOR 4
#define XL_XEN_MINOR 17

#define XL_INFO_MAX_DOMAINS 256
#define XL_NODE_DIR         "/sys/devices/system/node/node%u"

static void field(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One "name : value" line, aligned as Xen's. */
static void field(const char *name, const char *fmt, ...)
{
    va_list ap;

    printf("%-23s: ", name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* The first value of key in /proc/cpuinfo, or 0. */
static double cpuinfo(const char *key)
{
    char line[512];
    double value = 0;
    FILE *f = fopen("/proc/cpuinfo", "re");

    while (f && fgets(line, sizeof(line), f)) {
        const char *colon = strchr(line, ':');

        if (colon && !strncmp(line, key, strlen(key)) && sscanf(colon + 1, "%lf", &value) == 1)
            break;
    }
    if (f)
        fclose(f);
    return value;
}

/* The first number of a sysfs file (path from fmt, a, b), or -1. */
static long sysfs_long(const char *fmt, unsigned a, unsigned b)
{
    char path[160];
    long value = -1;
    FILE *f;

    snprintf(path, sizeof(path), fmt, a, b);
    f = fopen(path, "re");
    if (f) {
        if (fscanf(f, "%ld", &value) != 1)
            value = -1;
        fclose(f);
    }
    return value;
}

static bool node_exists(unsigned node)
{
    char path[80];

    snprintf(path, sizeof(path), XL_NODE_DIR, node);
    return access(path, F_OK) == 0;
}

static unsigned nr_nodes(void)
{
    unsigned n = 0;

    while (n < 1024 && node_exists(n))
        n++;
    return n ? n : 1;
}

/* The node of cpu (its nodeN link in sysfs); 0 without NUMA. */
static unsigned cpu_node(unsigned cpu)
{
    char path[96];

    for (unsigned node = 0; node < 1024 && node_exists(node); node++) {
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/node%u", cpu, node);
        if (access(path, F_OK) == 0)
            return node;
    }
    return 0;
}

/* A node's MemTotal or MemFree in MiB from its meminfo, or -1. */
static long node_mem(unsigned node, const char *key)
{
    char path[96], line[256], name[32];
    long kb = -1, value;
    FILE *f;

    snprintf(path, sizeof(path), XL_NODE_DIR "/meminfo", node);
    f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Node %*u %31[^:]: %ld", name, &value) == 2 && !strcmp(name, key))
            kb = value;
    if (f)
        fclose(f);
    return kb < 0 ? -1 : kb / 1024;
}

static void print_topology(const xc_physinfo_t *pi)
{
    unsigned nodes = nr_nodes();

    printf("cpu_topology           :\n");
    printf("cpu:    core    socket     node\n");
    for (unsigned cpu = 0; cpu < pi->nr_cpus; cpu++)
        printf("%3u:    %4ld     %4ld     %4u\n", cpu,
               sysfs_long("/sys/devices/system/cpu/cpu%u/topology/core_id", cpu, 0),
               sysfs_long("/sys/devices/system/cpu/cpu%u/topology/physical_package_id", cpu, 0),
               cpu_node(cpu));
    printf("device topology        :\n");
    printf("device           node\n");
    printf("numa_info              :\n");
    printf("node:    memsize    memfree    distances\n");
    for (unsigned node = 0; node < nodes; node++) {
        long size = node_mem(node, "MemTotal"), free_mib = node_mem(node, "MemFree");

        if (size < 0) { /* no NUMA in sysfs: one node, the whole host */
            size = (long)(pi->total_pages / 256);
            free_mib = (long)(pi->free_pages / 256);
        }
        printf("%4u:    %7ld    %7ld   ", node, size, free_mib);
        for (unsigned to = 0; to < nodes; to++) {
            char path[96];
            long d = -1;
            FILE *f;

            snprintf(path, sizeof(path), XL_NODE_DIR "/distance", node);
            f = fopen(path, "re");
            for (unsigned i = 0; f && i <= to; i++)
                if (fscanf(f, "%ld", &d) != 1)
                    d = -1;
            if (f)
                fclose(f);
            printf("%s%ld", to ? "," : " ", d < 0 ? 10 : d);
        }
        putchar('\n');
    }
}

int cmd_info(int argc, char **argv)
{
    static xc_domaininfo_t info[XL_INFO_MAX_DOMAINS];
    struct sv_sysctl_physinfo sp;
    double cores = cpuinfo("cpu cores"), siblings = cpuinfo("siblings");
    xc_physinfo_t pi;
    struct utsname u;
    int n;

    (void)argv;
    if (argc != 1)
        return xl_usage();
    if (xc_physinfo(xl_ctx.xch, &pi) < 0 || uname(&u) < 0)
        return xl_error("cannot read host information: %s", strerror(errno));
    n = xc_domain_getinfolist(xl_ctx.xch, 0, XL_INFO_MAX_DOMAINS, info);
    field("host", "%s", u.nodename);
    field("release", "%s", u.release);
    field("version", "%s", u.version);
    field("machine", "%s", u.machine);
    field("nr_cpus", "%u", pi.nr_cpus);
    field("max_cpu_id", "%u", pi.nr_cpus ? pi.nr_cpus - 1 : 0);
    field("nr_nodes", "%u", nr_nodes());
    field("cores_per_socket", "%.0f", cores > 0 ? cores : pi.nr_cpus);
    field("threads_per_core", "%.0f", cores > 0 && siblings >= cores ? siblings / cores : 1);
    field("cpu_mhz", "%.3f", cpuinfo("cpu MHz"));
    field("hw_caps", "%s", "");
    field("virt_caps", "%s", "pv"); /* domains are processes: paravirtual only */
    field("total_memory", "%llu", (unsigned long long)(pi.total_pages / 256));
    field("free_memory", "%llu", (unsigned long long)(pi.free_pages / 256));
    field("sharing_freed_memory", "%u", 0);
    field("sharing_used_memory", "%u", 0);
    field("outstanding_claims", "%u", 0);
    field("free_cpus", "%u", 0);
    field("xen_major", "%d", XL_XEN_MAJOR);
    field("xen_minor", "%d", XL_XEN_MINOR);
    field("xen_extra", "%s", "-splitvisor");
    field("xen_version", "%d.%d-splitvisor", XL_XEN_MAJOR, XL_XEN_MINOR);
    field("xen_caps", "xen-3.0-%s", u.machine);
    field("xen_scheduler", "%s", "credit"); /* weights as credit's, on cgroups */
    field("xen_pagesize", "%ld", sysconf(_SC_PAGESIZE));
    field("platform_params", "%s", "");
    field("xen_changeset", "%s", "");
    field("xen_commandline", "%s", "");
    field("cc_compiler", "%s", "gcc " __VERSION__);
    field("cc_compile_by", "%s", "");
    field("cc_compile_domain", "%s", "");
    field("cc_compile_date", "%s", "");
    field("build_id", "%s", "");
    field("xend_config_format", "%d", 4);
    if (xl_opt('n'))
        print_topology(&pi);
    field("nr_domains", "%d", n);
    if (svl_host_counters(&xl_ctx, &sp) == 0) {
        field("shared_frames", "%llu", (unsigned long long)sp.shared_frames);
        field("evtchn_ports", "%llu", (unsigned long long)sp.evtchn_ports);
        field("grant_maps", "%llu", (unsigned long long)sp.grant_maps);
        field("unmap_refused", "%llu", (unsigned long long)sp.unmap_refused);
        field("domain_quota", "%llu of %llu", (unsigned long long)sp.quota_used,
              (unsigned long long)sp.quota_limit);
    }
    field("hypervisor", "splitvisor %d.%d", SV_VERSION_MAJOR, SV_VERSION_MINOR);
    field("xen_abi", "%d.%d (libxen-dev headers)", XL_XEN_MAJOR, XL_XEN_MINOR);
    return 0;
}
