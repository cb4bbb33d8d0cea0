/* What the hypervisor learns about a domain's process from /proc: its run
 * state and CPU time. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

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
