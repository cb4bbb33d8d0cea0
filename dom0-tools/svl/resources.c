/*
 * What a running domain may use of the host, as Xen's vcpu-list, vcpu-pin,
 * mem-set, mem-max and sched-credit show and change it.  A domain is a process: its
 * VCPUs here are the threads of that process (in thread id order), pinned
 * with sched_setaffinity; its memory is its own memory cgroup's, moved
 * within what the domain was given at create (the description's memory),
 * never above the limit the hypervisor set; its credit weight and cap are
 * its cpu cgroup's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sv/cgroup.h"
#include "sv/hcall.h"
#include "sv/util.h"
#include "svl_internal.h"

/* The running process of domid: its pid, or -errno (said). */
static int domain_pid(struct svl_ctx *ctx, uint32_t domid, char *name, size_t len)
{
    struct sv_domctl_lookup l = {.domid = domid};
    int err;

    if (domid == 0)
        return svl_fail(ctx, -EPERM, "Domain-0 is the host: its CPUs and memory are not ours");
    if ((err = hcall_domctl_lookup(ctx->chan, &l)) < 0)
        return svl_fail(ctx, err, "no domain %u", domid);
    snprintf(name, len, "%s", l.name);
    if (!l.pid)
        return svl_fail(ctx, -ESRCH, "%s is not running", l.name);
    return (int)l.pid;
}

static int by_tid(const void *a, const void *b)
{
    const struct svl_vcpu *x = a, *y = b;

    return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Fields 3 (state), 14-15 (utime, stime) and 39 (processor) of a task's stat. */
static int read_task(int pid, struct svl_vcpu *v)
{
    char path[64], buf[1024], *p;
    unsigned long long utime, stime;
    int fd, cpu;
    long n;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, v->tid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return -errno;
    n = sv_read_full(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -EIO;
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the name may hold anything */
    if (!p || sscanf(p + 2,
                     "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
                     "%*d %*u %*u %*d %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*d %d",
                     &v->state, &utime, &stime, &cpu) != 4)
        return -EIO;
    v->cpu = cpu;
    v->time_s = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
    CPU_ZERO(&v->affinity);
    return sched_getaffinity(v->tid, sizeof(v->affinity), &v->affinity) < 0 ? -errno : 0;
}

int svl_vcpu_list(struct svl_ctx *ctx, uint32_t domid, struct svl_vcpu *vcpus, int max)
{
    char path[64], name[SV_DOMAIN_NAME_MAX];
    int pid = domain_pid(ctx, domid, name, sizeof(name)), n = 0;
    struct dirent *de;
    DIR *dir;

    if (pid < 0)
        return pid;
    snprintf(path, sizeof(path), "/proc/%d/task", pid);
    if (!(dir = opendir(path)))
        return svl_fail(ctx, -errno, "%s: %s: %s", name, path, strerror(errno));
    while ((de = readdir(dir)) && n < max)
        if (de->d_name[0] != '.')
            vcpus[n++].tid = atoi(de->d_name);
    closedir(dir);
    qsort(vcpus, (size_t)n, sizeof(*vcpus), by_tid);
    for (int i = 0; i < n; i++)
        if (read_task(pid, &vcpus[i]) < 0) /* gone since: shown as such */
            vcpus[i].state = '-';
    return n;
}

int svl_vcpu_pin(struct svl_ctx *ctx, uint32_t domid, int vcpu, const cpu_set_t *cpus)
{
    static struct svl_vcpu v[SVL_MAX_VCPUS];
    char name[SV_DOMAIN_NAME_MAX];
    int n = svl_vcpu_list(ctx, domid, v, SVL_MAX_VCPUS), done = 0;

    if (n < 0)
        return n;
    if (svl_domname(ctx, domid, name, sizeof(name)) < 0)
        snprintf(name, sizeof(name), "%u", domid);
    if (vcpu >= n)
        return svl_fail(ctx, -EINVAL, "%s has VCPUs 0..%d, not %d", name, n - 1, vcpu);
    for (int i = 0; i < n; i++) {
        if (vcpu >= 0 && i != vcpu)
            continue;
        if (sched_setaffinity(v[i].tid, sizeof(*cpus), cpus) < 0 && errno != ESRCH)
            return svl_fail(ctx, -errno, "%s: VCPU %d: %s", name, i, strerror(errno));
        done++;
    }
    return done;
}

int svl_parse_cpus(const char *text, cpu_set_t *cpus)
{
    long ncpus = sysconf(_SC_NPROCESSORS_CONF);
    const char *p = text;

    CPU_ZERO(cpus);
    if (!strcmp(text, "all")) {
        for (long c = 0; c < ncpus && c < CPU_SETSIZE; c++)
            CPU_SET((int)c, cpus);
        return 0;
    }
    while (*p) {
        unsigned long lo, hi;
        char *end;

        if (*p < '0' || *p > '9')
            return -EINVAL;
        lo = hi = strtoul(p, &end, 10);
        if (*end == '-') {
            if (end[1] < '0' || end[1] > '9')
                return -EINVAL;
            hi = strtoul(end + 1, &end, 10);
        }
        if (lo > hi || hi >= (unsigned long)ncpus || hi >= CPU_SETSIZE)
            return -ERANGE;
        for (unsigned long c = lo; c <= hi; c++)
            CPU_SET((int)c, cpus);
        if (*end == ',' && end[1])
            end++;
        else if (*end)
            return -EINVAL;
        p = end;
    }
    return CPU_COUNT(cpus) ? 0 : -EINVAL;
}

void svl_format_cpus(const cpu_set_t *cpus, char *buf, size_t len)
{
    long ncpus = sysconf(_SC_NPROCESSORS_CONF);
    size_t used = 0;

    buf[0] = '\0';
    if (CPU_COUNT(cpus) >= ncpus) {
        snprintf(buf, len, "all");
        return;
    }
    for (int c = 0; c < CPU_SETSIZE && used < len; c++) {
        int last = c;

        if (!CPU_ISSET(c, cpus))
            continue;
        while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, cpus))
            last++;
        used += (size_t)snprintf(buf + used, len - used, last > c ? "%s%d-%d" : "%s%d",
                                 used ? "," : "", c, last);
        c = last;
    }
}

/* Writes bytes to file name of the domain's memory cgroup dir. */
static int cgroup_write(const char *dir, const char *name, unsigned long long bytes)
{
    char path[400], text[24];
    int fd, err;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
        return -errno;
    err = sv_write_full(fd, text, (size_t)snprintf(text, sizeof(text), "%llu", bytes));
    close(fd);
    return err;
}

/* memory/target in the domain's home, in KiB, as Xen's balloon reads it. */
static void write_target(uint32_t domid, uint64_t mib)
{
    struct xs_handle *h = xs_open(0);
    char path[64], value[24];

    if (!h)
        return;
    snprintf(path, sizeof(path), "/local/domain/%u/memory/target", domid);
    snprintf(value, sizeof(value), "%llu", (unsigned long long)mib * 1024);
    xs_write(h, XBT_NULL, path, value, (unsigned)strlen(value));
    xs_close(h);
}

int svl_memory_set(struct svl_ctx *ctx, uint32_t domid, uint64_t mib, bool max)
{
    char name[SV_DOMAIN_NAME_MAX], dir[300];
    struct domain_config cfg;
    unsigned long long bytes;
    uint64_t given;
    int pid = domain_pid(ctx, domid, name, sizeof(name)), version, err;

    if (pid < 0)
        return pid;
    if (svl_userdata_load(domid, &cfg) < 0)
        return svl_fail(ctx, -ENOENT, "no configuration kept for %s", name);
    given = cfg.memory_mib;
    config_free(&cfg);
    if (mib == 0 || mib > given)
        return svl_fail(ctx, -ERANGE, "%s was given %llu MiB: 1..%llu, not %llu", name,
                        (unsigned long long)given, (unsigned long long)given,
                        (unsigned long long)mib);
    version = sv_cgroup_domain_dir((pid_t)pid, "memory", dir, sizeof(dir));
    if (version == -ENOENT)
        return svl_fail(ctx, version, "%s has no memory cgroup of its own on this host", name);
    if (version < 0)
        return svl_fail(ctx, version, "%s: its memory cgroup: %s", name, strerror(-version));
    /* The process's own overhead on top, as the hypervisor counts it. */
    bytes = mib * 1024 * 1024 + SV_DOMAIN_MEMORY_OVERHEAD;
    if (max)
        err = cgroup_write(dir, version == 1 ? "memory.limit_in_bytes" : "memory.max", bytes);
    else
        err = cgroup_write(dir, version == 1 ? "memory.soft_limit_in_bytes" : "memory.high", bytes);
    if (err < 0)
        return svl_fail(ctx, err, "%s: %s: %s", name, dir, strerror(-err));
    if (!max)
        write_target(domid, mib);
    return 0;
}

int svl_sched_credit_get(struct svl_ctx *ctx, uint32_t domid, unsigned *weight, unsigned *cap)
{
    struct sv_domctl_lookup l = {.domid = domid};
    int err = hcall_domctl_lookup(ctx->chan, &l);

    if (err < 0)
        return svl_fail(ctx, err, "no domain %u", domid);
    if (domid == 0) { /* the host: the cgroup default, uncapped */
        *weight = CONFIG_DEFAULT_CPU_WEIGHT;
        *cap = 0;
        return 0;
    }
    if (!l.pid)
        return svl_fail(ctx, -ESRCH, "%s is not running", l.name);
    err = sv_cgroup_cpu_get((pid_t)l.pid, weight, cap);
    return err < 0 ? svl_fail(ctx, err, "%s: its cpu cgroup: %s", l.name, strerror(-err)) : 0;
}

int svl_sched_credit_set(struct svl_ctx *ctx, uint32_t domid, int weight, int cap)
{
    char name[SV_DOMAIN_NAME_MAX];
    struct domain_config cfg;
    int pid, err = 0;

    if (domid == 0)
        return svl_fail(ctx, -EPERM,
                        "sched-credit: Domain-0 is the host: its scheduling is not "
                        "ours");
    if ((pid = domain_pid(ctx, domid, name, sizeof(name))) < 0)
        return pid;
    if (weight >= 0)
        err = sv_cgroup_cpu_weight((pid_t)pid, (unsigned)weight);
    if (!err && cap >= 0)
        err = sv_cgroup_cpu_cap((pid_t)pid, (unsigned)cap);
    if (err == -ENOENT)
        return svl_fail(ctx, err, "%s has no cpu cgroup of its own on this host", name);
    if (err)
        return svl_fail(ctx, err, "sched-credit: %s: %s", name, strerror(-err));
    /* The weight is the description's cpu_weight: a restart keeps it. */
    if (weight >= 0 && svl_userdata_load(domid, &cfg) == 0) {
        cfg.cpu_weight = (unsigned)weight;
        if (svl_userdata_save(domid, &cfg) < 0)
            svl_log(ctx, SVL_WARN, "%s: the weight is set but not kept in its description", name);
        config_free(&cfg);
    }
    return 0;
}
