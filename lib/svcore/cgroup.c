/* Finding a process's cgroup directories (see sv/cgroup.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv/cgroup.h"
#include "sv/util.h"

const char *const sv_cgroup_controllers[SV_CGROUP_NCONTROLLERS] = {"memory", "pids", "cpu"};

/* Is `word` one of the comma-separated words of list? */
static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (!strncmp(p, word, n) && (p[n] == ',' || p[n] == '\0' || p[n] == '\n'))
            return true;
    return false;
}

/* pid's path in the v1 hierarchy with controller (version 1) or in the
 * unified one (version 2), from /proc/PID/cgroup. */
static int cgroup_path(pid_t pid, const char *controller, int version, char *path, size_t len)
{
    char file[64], line[512];
    int err = -ENOENT;
    FILE *f;

    snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
    f = fopen(file, "re");
    if (!f)
        return -errno;
    while (err && fgets(line, sizeof(line), f)) {
        char *ctrls = strchr(line, ':'), *p = ctrls ? strchr(ctrls + 1, ':') : NULL;

        if (!p)
            continue;
        *ctrls++ = '\0';
        *p++ = '\0';
        p[strcspn(p, "\n")] = '\0';
        if (version == 1 ? has_word(ctrls, controller) : !strcmp(line, "0") && !*ctrls)
            err = snprintf(path, len, "%s", p) < (int)len ? 0 : -ENAMETOOLONG;
    }
    fclose(f);
    return err;
}

/* Mount point and root of the v1 hierarchy with controller, or of the
 * unified one, from our /proc/self/mountinfo. */
static int cgroup_mount(const char *controller, int version, char *mnt, char *root, size_t len)
{
    char line[1024];
    int err = -ENOENT;
    FILE *f = fopen("/proc/self/mountinfo", "re");

    if (!f)
        return -errno;
    while (err && fgets(line, sizeof(line), f)) {
        char fields[2][512], type[32], opts[512];
        const char *sep = strstr(line, " - ");

        if (!sep || sscanf(line, "%*s %*s %*s %511s %511s", fields[0], fields[1]) != 2 ||
            sscanf(sep, " - %31s %*s %511s", type, opts) != 2)
            continue;
        if (version == 1 ? strcmp(type, "cgroup") || !has_word(opts, controller)
                         : strcmp(type, "cgroup2"))
            continue;
        err = snprintf(root, len, "%s", fields[0]) < (int)len &&
                      snprintf(mnt, len, "%s", fields[1]) < (int)len
                  ? 0
                  : -ENAMETOOLONG;
    }
    fclose(f);
    return err;
}

static int cgroup_dir(pid_t pid, const char *controller, int version, char *buf, size_t len)
{
    char path[512], mnt[512], root[512];
    size_t rlen;
    int err = cgroup_path(pid, controller, version, path, sizeof(path));

    if (!err)
        err = cgroup_mount(controller, version, mnt, root, sizeof(mnt));
    if (err)
        return err;
    /* The mount may show a subtree only (a container's view). */
    rlen = strcmp(root, "/") ? strlen(root) : 0;
    if (strncmp(path, root, rlen) || (path[rlen] != '/' && path[rlen] != '\0'))
        return -ENOENT;
    return snprintf(buf, len, "%s%s", mnt, path + rlen) < (int)len ? 0 : -ENAMETOOLONG;
}

/* Does dir/cgroup.controllers offer controller (v2)? */
static bool cgroup_offers(const char *dir, const char *controller)
{
    char path[600], word[64];
    bool offered = false;
    FILE *f;

    if (snprintf(path, sizeof(path), "%s/cgroup.controllers", dir) >= (int)sizeof(path))
        return false;
    f = fopen(path, "re");
    if (!f)
        return false;
    while (!offered && fscanf(f, "%63s", word) == 1)
        offered = !strcmp(word, controller);
    fclose(f);
    return offered;
}

int sv_cgroup_dir(pid_t pid, const char *controller, char *buf, size_t len)
{
    if (cgroup_dir(pid, controller, 1, buf, len) == 0)
        return 1;
    if (cgroup_dir(pid, controller, 2, buf, len) < 0 || !cgroup_offers(buf, controller))
        return -ENOENT;
    return 2;
}

int sv_cgroup_domain_dir(pid_t pid, const char *controller, char *buf, size_t len)
{
    int version = sv_cgroup_dir(pid, controller, buf, len);
    const char *name = version > 0 ? strrchr(buf, '/') : NULL;

    if (version < 0)
        return version;
    return name && !strncmp(name, "/sv-", 4) && strcmp(name + 1, SV_CGROUP_HOST) ? version
                                                                                 : -ENOENT;
}

int sv_cgroup_memory_used(pid_t pid, unsigned long long *bytes)
{
    char dir[512], file[600];
    int version = sv_cgroup_domain_dir(pid, "memory", dir, sizeof(dir)), err = 0;
    FILE *f;

    if (version < 0)
        return version;
    snprintf(file, sizeof(file), "%s/%s", dir,
             version == 1 ? "memory.usage_in_bytes" : "memory.current");
    f = fopen(file, "re");
    if (!f)
        return -errno;
    if (fscanf(f, "%llu", bytes) != 1)
        err = -EIO;
    fclose(f);
    return err;
}

/* Writes text to dir/name. */
static int cgroup_write(const char *dir, const char *name, const char *text)
{
    char path[600];
    int fd, err;

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    err = sv_write_full(fd, text, strlen(text));
    close(fd);
    return err;
}

/* Reads up to two numbers from dir/name ("max" reads as -1); how many. */
static int cgroup_read2(const char *dir, const char *name, long long *a, long long *b)
{
    char path[600], text[64] = "";
    int n = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "re");
    if (!f)
        return -errno;
    if (!fgets(text, sizeof(text), f))
        text[0] = '\0';
    fclose(f);
    if (!strncmp(text, "max", 3)) {
        *a = -1;
        n = 1 + (sscanf(text + 3, "%lld", b) == 1);
    } else {
        n = sscanf(text, "%lld %lld", a, b);
    }
    return n > 0 ? n : -EIO;
}

/* The period a cap is a share of, in µs (the kernel's default). */
#define CGROUP_CPU_PERIOD_US 100000

int sv_cgroup_cpu_weight(pid_t pid, unsigned int weight)
{
    char dir[512], text[24];
    int version = sv_cgroup_domain_dir(pid, "cpu", dir, sizeof(dir));
    unsigned long long value;

    if (version < 0)
        return version;
    value = version == 1 ? 4ULL * weight : (100ULL * weight + 128) / 256;
    if (version == 2 && value > 10000)
        value = 10000;
    snprintf(text, sizeof(text), "%llu", value ? value : 1);
    return cgroup_write(dir, version == 1 ? "cpu.shares" : "cpu.weight", text);
}

int sv_cgroup_cpu_cap(pid_t pid, unsigned int cap)
{
    char dir[512], text[48];
    int version = sv_cgroup_domain_dir(pid, "cpu", dir, sizeof(dir)), err;
    long long quota = cap ? (long long)cap * CGROUP_CPU_PERIOD_US / 100 : -1;

    if (version < 0)
        return version;
    if (version == 2) {
        if (cap)
            snprintf(text, sizeof(text), "%lld %d", quota, CGROUP_CPU_PERIOD_US);
        else
            snprintf(text, sizeof(text), "max %d", CGROUP_CPU_PERIOD_US);
        return cgroup_write(dir, "cpu.max", text);
    }
    snprintf(text, sizeof(text), "%d", CGROUP_CPU_PERIOD_US);
    err = cgroup_write(dir, "cpu.cfs_period_us", text);
    snprintf(text, sizeof(text), "%lld", quota);
    return err ? err : cgroup_write(dir, "cpu.cfs_quota_us", text);
}

int sv_cgroup_cpu_get(pid_t pid, unsigned int *weight, unsigned int *cap)
{
    char dir[512];
    int version = sv_cgroup_domain_dir(pid, "cpu", dir, sizeof(dir)), err;
    long long value = 0, quota = -1, period = CGROUP_CPU_PERIOD_US;

    if (version < 0)
        return version;
    err = cgroup_read2(dir, version == 1 ? "cpu.shares" : "cpu.weight", &value, &quota);
    if (err < 0)
        return err;
    *weight = (unsigned)(version == 1 ? value / 4 : (value * 256 + 50) / 100);
    if (version == 1)
        err = cgroup_read2(dir, "cpu.cfs_quota_us", &quota, &period) < 0 ||
                      cgroup_read2(dir, "cpu.cfs_period_us", &period, &value) < 0
                  ? -EIO
                  : 0;
    else
        err = cgroup_read2(dir, "cpu.max", &quota, &period) < 0 ? -EIO : 0;
    *cap = quota < 0 || period <= 0 ? 0 : (unsigned)(quota * 100 / period);
    return err;
}

int sv_cgroup_join_domain(pid_t pid)
{
    int joined = 0;

    for (int i = 0; i < SV_CGROUP_NCONTROLLERS; i++) {
        char dir[512];
        int err = sv_cgroup_domain_dir(pid, sv_cgroup_controllers[i], dir, sizeof(dir));

        if (err == -ENOENT)
            continue;
        if (err < 0)
            return err;
        err = cgroup_write(dir, "cgroup.procs", "0");
        if (err < 0)
            return err;
        joined++;
    }
    return joined;
}

/* dir/cgroup.procs to read, or NULL (errno set). */
static FILE *procs_open(const char *dir)
{
    char path[600];

    if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    return fopen(path, "re");
}

/* The first process dir/cgroup.procs lists other than self: its pid, 0
 * when none, or -errno. */
static long other_process(const char *dir, pid_t self)
{
    long pid, other = 0;
    FILE *f = procs_open(dir);

    if (!f)
        return -errno;
    while (!other && fscanf(f, "%ld", &pid) == 1)
        if (pid != (long)self)
            other = pid;
    fclose(f);
    return other;
}

int sv_cgroup_delegate(const char *own, const char *const *ctrls, size_t n, pid_t self,
                       pid_t *other)
{
    char host[600], enable[128] = "", text[24];
    size_t len = 0;
    int offered = 0, err;
    long pid;

    *other = 0;
    for (size_t i = 0; i < n; i++) {
        if (!cgroup_offers(own, ctrls[i]))
            continue;
        len +=
            (size_t)snprintf(enable + len, sizeof(enable) - len, "%s+%s", len ? " " : "", ctrls[i]);
        if (len >= sizeof(enable))
            return -E2BIG;
        offered++;
    }
    if (!offered)
        return -ENOENT;
    /* Checked before anything moves: a shell that ran us stays where it is. */
    pid = other_process(own, self);
    if (pid < 0)
        return (int)pid;
    if (pid > 0) {
        *other = (pid_t)pid;
        return -EBUSY;
    }
    if (snprintf(host, sizeof(host), "%s/%s", own, SV_CGROUP_HOST) >= (int)sizeof(host))
        return -ENAMETOOLONG;
    if (mkdir(host, 0755) < 0 && errno != EEXIST)
        return -errno;
    snprintf(text, sizeof(text), "%ld", (long)self);
    err = cgroup_write(host, "cgroup.procs", text);
    /* One write: the kernel enables all of them or none. */
    if (!err)
        err = cgroup_write(own, "cgroup.subtree_control", enable);
    return err ? err : offered;
}

/* SIGKILL to every process cgroup.procs lists: how many it listed, or -errno. */
static int kill_listed(const char *dir)
{
    long pid;
    int n = 0;
    FILE *f = procs_open(dir);

    if (!f)
        return -errno;
    while (fscanf(f, "%ld", &pid) == 1) {
        if (pid > 0)
            kill((pid_t)pid, SIGKILL);
        n++;
    }
    fclose(f);
    return n;
}

int sv_cgroup_kill(const char *dir)
{
    int n = cgroup_write(dir, "cgroup.kill", "1");

    if (n < 0 && n != -ENOENT)
        return n;
    /* v1 has no cgroup.kill: what forks meanwhile is killed on a next round
     * (the domain's pids.max bounds them). */
    return kill_listed(dir);
}
