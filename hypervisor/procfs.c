/*
 * What the hypervisor learns about a domain's process from /proc: whether it
 * still maps or holds a frame (so an unmap it reports can be believed), its
 * run state and CPU time.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

static void mark(ino_t ino, const ino_t *inos, unsigned n, bool *found)
{
    for (unsigned i = 0; i < n; i++)
        if (inos[i] == ino)
            found[i] = true;
}

static int scan_maps(pid_t pid, const ino_t *inos, unsigned n, bool *found)
{
    char path[64], line[512];
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return -errno;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long ino = 0;

        if (sscanf(line, "%*s %*s %*s %*s %llu", &ino) == 1 && ino)
            mark((ino_t)ino, inos, n, found);
    }
    fclose(f);
    return 0;
}

static int scan_fds(pid_t pid, const ino_t *inos, unsigned n, bool *found)
{
    char path[64];
    struct dirent *de;
    DIR *dir;

    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    dir = opendir(path);
    if (!dir)
        return -errno;
    while ((de = readdir(dir))) {
        char fdpath[320];
        struct stat st;

        if (de->d_name[0] == '.')
            continue;
        snprintf(fdpath, sizeof(fdpath), "%s/%s", path, de->d_name);
        if (stat(fdpath, &st) == 0)
            mark(st.st_ino, inos, n, found);
    }
    closedir(dir);
    return 0;
}

int proc_find_frames(pid_t pid, const ino_t *inos, unsigned n, bool *found)
{
    int err;

    memset(found, 0, n * sizeof(*found));
    err = scan_maps(pid, inos, n, found);
    if (!err)
        err = scan_fds(pid, inos, n, found);
    if (err == -ENOENT || err == -ESRCH) {
        /* The process is gone, and its mappings with it. */
        memset(found, 0, n * sizeof(*found));
        return 0;
    }
    return err;
}

bool proc_maps_clear(pid_t pid, const ino_t *inos, unsigned n)
{
    bool found[64];

    for (unsigned done = 0; done < n; done += 64) {
        unsigned chunk = n - done < 64 ? n - done : 64;

        if (proc_find_frames(pid, inos + done, chunk, found) < 0)
            return false;
        for (unsigned i = 0; i < chunk; i++)
            if (found[i])
                return false;
    }
    return true;
}

int proc_stat(pid_t pid, char *state, uint64_t *cpu_ns)
{
    char path[64], buf[1024], *p;
    unsigned long long utime, stime;
    struct timespec ts;
    clockid_t clock;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return -errno;
    p = fgets(buf, sizeof(buf), f);
    fclose(f);
    /* comm may hold spaces and parentheses: parse after the last ')'. */
    if (!p || !(p = strrchr(buf, ')')))
        return -EIO;
    if (sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", state, &utime,
               &stime) != 3)
        return -EIO;
    *cpu_ns = (utime + stime) * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK));
    /* The process's CPU clock counts every thread in nanoseconds, where stat
     * counts in scheduler ticks (10 ms): `xl top` samples once a second. */
    if (clock_getcpuclockid(pid, &clock) == 0 && clock_gettime(clock, &ts) == 0)
        *cpu_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    return 0;
}
