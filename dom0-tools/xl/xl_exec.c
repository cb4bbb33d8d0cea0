/*
 * xl exec, dumpxml, uptime: a domain's user space and its description.
 * exec runs an unmodified program in the domain's network namespace
 * (sv-<name>), as `ip netns exec` would: that is where the guest's eth0 lives;
 * and in the domain's cgroups, so that it ends with the domain.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sv/cgroup.h"
#include "xl.h"

int cmd_exec(int argc, char **argv)
{
    char name[SV_DOMAIN_NAME_MAX], path[128];
    uint32_t domid;
    pid_t pid;
    int cmd = 2, fd, err;

    if (argc < 3)
        return xl_usage();
    if (!strcmp(argv[2], "--"))
        cmd = 3;
    if (cmd >= argc)
        return xl_usage();
    if (xl_domid(argv[1], &domid) < 0 || svl_domname(&xl_ctx, domid, name, sizeof(name)) < 0)
        return 1;
    if (domid == 0)
        return xl_error("Domain-0 is the host: run the command directly");
    if (svl_domain_pid(&xl_ctx, domid, &pid) < 0)
        return xl_error("%s is not running (paused or shut down)", name);
    /* Into the domain's cgroups: what the program starts, daemons too,
     * ends with the domain (the hypervisor empties them). */
    err = sv_cgroup_join_domain(pid);
    if (err < 0)
        return xl_error("cannot join %s's cgroups: %s", name, strerror(-err));
    if (err == 0)
        xl_warn("%s has no cgroup of its own on this host: the program may outlive it", name);
    snprintf(path, sizeof(path), "/run/netns/sv-%s", name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
        return xl_error("cannot enter %s's namespace (%s): %s", name, path, strerror(errno));
    close(fd);
    execvp(argv[cmd], argv + cmd); /* xl's own descriptors are close-on-exec */
    xl_error("%s: %s", argv[cmd], strerror(errno));
    return errno == ENOENT ? 127 : 126; /* as sh and env say it */
}

int cmd_dumpxml(int argc, char **argv)
{
    struct domain_config cfg;
    uint32_t domid;
    int err;
    int status = xl_domain_arg(argc, argv, 0, &domid);

    if (status)
        return status;
    err = svl_userdata_load(domid, &cfg);
    if (err)
        return xl_error("no configuration kept for %s: %s", argv[1], strerror(-err));
    err = config_to_xml(&cfg, stdout);
    config_free(&cfg);
    return err ? 1 : 0;
}

/* Seconds since the process started (field 22 of /proc/PID/stat). */
static long process_age(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long long start;
    struct timespec boot;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return -1;
    p = fgets(buf, sizeof(buf), f);
    fclose(f);
    if (!p || !(p = strrchr(buf, ')')) ||
        sscanf(p + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
               "%*d %llu",
               &start) != 1)
        return -1;
    clock_gettime(CLOCK_BOOTTIME, &boot);
    return boot.tv_sec - (long)(start / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/* Xen's uptime text: [D day(s), ]H:MM:SS, or without the seconds (short). */
static void uptime_string(long age, bool short_form, char *buf, size_t len)
{
    long days = age / 86400, h = age / 3600 % 24, m = age / 60 % 60, sec = age % 60;
    int n = days ? snprintf(buf, len, "%ld day%s, ", days, days > 1 ? "s" : "") : 0;

    if (short_form)
        snprintf(buf + n, len - (size_t)n, "%2ld:%02ld", h, m);
    else
        snprintf(buf + n, len - (size_t)n, "%ld:%02ld:%02ld", h, m, sec);
}

/* xl uptime [-s]: Name ID Uptime, or with -s one line a domain as
 * uptime(1) says it: " HH:MM:SS up H:MM, NAME (ID)". */
int cmd_uptime(int argc, char **argv)
{
    xc_domaininfo_t info[256];
    struct xl_domset set;
    bool short_form = xl_opt('s');
    char now[16], up[48];
    time_t t = time(NULL);
    int n, status;

    if ((status = xl_domset_parse(1, argc, argv, &set)))
        return status;
    n = xc_domain_getinfolist(xl_ctx.xch, 1, 256, info);
    if (n < 0)
        return xl_error("cannot list domains: %s", strerror(errno));
    strftime(now, sizeof(now), "%H:%M:%S", localtime(&t));
    if (!short_form)
        printf("%-40s %5s %s\n", "Name", "ID", "Uptime");
    for (int i = 0; i < n; i++) {
        char name[SV_DOMAIN_NAME_MAX];
        uint32_t domid = info[i].domain;
        long age = -1;
        pid_t pid;

        if (!xl_domset_has(&set, domid) || svl_domname(&xl_ctx, domid, name, sizeof(name)) < 0)
            continue;
        if (svl_domain_pid(&xl_ctx, domid, &pid) == 0)
            age = process_age(pid);
        if (age < 0)
            snprintf(up, sizeof(up), "-");
        else
            uptime_string(age, short_form, up, sizeof(up));
        if (short_form)
            printf(" %s up %s, %s (%u)\n", now, up, name, domid);
        else
            printf("%-40s %5u %s\n", name, domid, up);
    }
    return 0;
}
