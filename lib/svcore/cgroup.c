/* Finding a process's cgroup directories (see sv/cgroup.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/cgroup.h"

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

int sv_cgroup_dir(pid_t pid, const char *controller, char *buf, size_t len)
{
    char ctrls[512];
    FILE *f;
    bool offered = false;

    if (cgroup_dir(pid, controller, 1, buf, len) == 0)
        return 1;
    if (cgroup_dir(pid, controller, 2, buf, len) < 0 ||
        snprintf(ctrls, sizeof(ctrls), "%s/cgroup.controllers", buf) >= (int)sizeof(ctrls))
        return -ENOENT;
    f = fopen(ctrls, "re");
    if (f) {
        char word[64];

        while (!offered && fscanf(f, "%63s", word) == 1)
            offered = !strcmp(word, controller);
        fclose(f);
    }
    return offered ? 2 : -ENOENT;
}

/* Like sv_cgroup_dir(), for a domain's own cgroup (sv-<name>) only. */
static int domain_cgroup_dir(pid_t pid, const char *controller, char *buf, size_t len)
{
    int version = sv_cgroup_dir(pid, controller, buf, len);
    const char *name = version > 0 ? strrchr(buf, '/') : NULL;

    if (version < 0)
        return version;
    return name && !strncmp(name, "/sv-", 4) ? version : -ENOENT;
}

int sv_cgroup_memory_used(pid_t pid, unsigned long long *bytes)
{
    char dir[512], file[600];
    int version = domain_cgroup_dir(pid, "memory", dir, sizeof(dir)), err = 0;
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

int sv_cgroup_cpu_weight(pid_t pid, unsigned int weight)
{
    char dir[512], file[600];
    int version = domain_cgroup_dir(pid, "cpu", dir, sizeof(dir)), err = 0;
    unsigned long long value;
    FILE *f;

    if (version < 0)
        return version;
    value = version == 1 ? 4ULL * weight : (100ULL * weight + 128) / 256;
    if (version == 2 && value > 10000)
        value = 10000;
    snprintf(file, sizeof(file), "%s/%s", dir, version == 1 ? "cpu.shares" : "cpu.weight");
    f = fopen(file, "we");
    if (!f)
        return -errno;
    if (fprintf(f, "%llu", value ? value : 1) < 0)
        err = -EIO;
    if (fclose(f) != 0 && !err)
        err = -errno;
    return err;
}
