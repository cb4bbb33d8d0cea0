/*
 * What the hypervisor learns about a domain's process from /proc: whether it
 * still maps or holds a frame (so an unmap it reports can be believed), its
 * run state and CPU time.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

#define KCMP_FILES 2 /* linux/kcmp.h */

static uint64_t scans;

/* The frames looked for, sorted by inode: a line of maps or an fd costs a
 * binary search, whatever the batch size. */
struct wanted {
    const ino_t *inos;
    unsigned *order; /* indices into inos, by inode */
    unsigned n;
    bool *found;
};

static const ino_t *sort_inos;

static int by_ino(const void *a, const void *b)
{
    ino_t x = sort_inos[*(const unsigned *)a], y = sort_inos[*(const unsigned *)b];

    return x < y ? -1 : x > y;
}

static void mark(const struct wanted *w, ino_t ino)
{
    unsigned lo = 0, hi = w->n;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;

        if (w->inos[w->order[mid]] < ino)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < w->n && w->inos[w->order[lo]] == ino; lo++)
        w->found[w->order[lo]] = true;
}

/* Reads a task's maps: the number of lines (0: its mm is gone, as for a
 * leader that exited while other threads live on), or -errno. */
static int scan_maps(pid_t pid, pid_t tid, const struct wanted *w)
{
    char path[64], line[512];
    int lines = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/maps", (int)pid, (int)tid);
    f = fopen(path, "re");
    if (!f)
        return -errno;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long ino = 0;

        lines++;
        if (sscanf(line, "%*s %*s %*s %*s %llu", &ino) == 1 && ino)
            mark(w, (ino_t)ino);
    }
    fclose(f);
    return lines;
}

static int scan_fds(pid_t pid, pid_t tid, const struct wanted *w)
{
    char path[64];
    struct dirent *de;
    DIR *dir;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/fd", (int)pid, (int)tid);
    dir = opendir(path);
    if (!dir)
        return -errno;
    while ((de = readdir(dir))) {
        struct stat st;

        if (de->d_name[0] != '.' && fstatat(dirfd(dir), de->d_name, &st, 0) == 0)
            mark(w, st.st_ino);
    }
    closedir(dir);
    return 0;
}

/* Whether tid's fd table is one of the n already read (threads made with
 * CLONE_FILES share one; kcmp tells, and when it cannot, we read again). */
static bool files_read(pid_t tid, const pid_t *read, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (syscall(SYS_kcmp, read[i], tid, KCMP_FILES, 0, 0) == 0)
            return true;
    return false;
}

/*
 * Every thread: the maps of one that still has its mm (all of a thread
 * group share it), and every distinct fd table.  Not the leader's alone:
 * /proc/PID/maps and /proc/PID/fd read empty once the leader thread has
 * exited, while the others still map and hold everything.
 */
static int scan_tasks(pid_t pid, const struct wanted *w)
{
    pid_t tables[16];
    unsigned ntables = 0;
    bool maps_read = false;
    char path[64];
    struct dirent *de;
    DIR *dir;
    int err = 0;

    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    dir = opendir(path);
    if (!dir)
        return -errno;
    while (!err && (de = readdir(dir))) {
        pid_t tid = (pid_t)atoi(de->d_name);
        int lines;

        if (tid <= 0)
            continue;
        if (!maps_read) {
            lines = scan_maps(pid, tid, w);
            maps_read = lines > 0;
            if (lines < 0 && lines != -ENOENT && lines != -ESRCH)
                err = lines;
        }
        if (err || files_read(tid, tables, ntables))
            continue;
        err = scan_fds(pid, tid, w);
        if (err == -ENOENT || err == -ESRCH)
            err = 0; /* that thread is gone, with what only it held */
        else if (!err && ntables < sizeof(tables) / sizeof(tables[0]))
            tables[ntables++] = tid;
    }
    closedir(dir);
    return err;
}

int proc_find_frames(pid_t pid, const ino_t *inos, unsigned n, bool *found)
{
    struct wanted w = {.inos = inos, .n = n, .found = found};
    int err;

    memset(found, 0, n * sizeof(*found));
    if (!n)
        return 0;
    w.order = malloc(n * sizeof(*w.order));
    if (!w.order)
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++)
        w.order[i] = i;
    sort_inos = inos;
    qsort(w.order, n, sizeof(*w.order), by_ino);
    scans++;
    err = scan_tasks(pid, &w);
    free(w.order);
    if (err == -ENOENT || err == -ESRCH) {
        /* The process is gone, and its mappings with it. */
        memset(found, 0, n * sizeof(*found));
        return 0;
    }
    return err;
}

uint64_t proc_scan_count(void)
{
    return scans;
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
