/*
 * xl top: a refreshing table of the domains with their CPU use (over the
 * last interval), memory, and the packets of each vif's VMDq pool or
 * software switch port.  `xl top -b -i N` prints N iterations and stops
 * (for scripts), as Xen's xentop; Ctrl-C leaves.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sv/util.h"
#include "xl.h"

#define TOP_MAX 256

static volatile sig_atomic_t stop;

static void on_int(int sig)
{
    (void)sig;
    stop = 1;
}

static uint64_t cpu_of(const xc_domaininfo_t *info, int n, uint32_t domid)
{
    for (int i = 0; i < n; i++)
        if (info[i].domain == domid)
            return info[i].cpu_time;
    return 0;
}

static void print_table(const xc_domaininfo_t *now, int n, const xc_domaininfo_t *before, int nb,
                        double secs)
{
    printf("%-30s %5s %7s %8s %6s\n", "NAME", "ID", "CPU(%)", "MEM(MiB)", "VCPUS");
    for (int i = 0; i < n; i++) {
        char name[64] = "?";
        uint64_t prev = cpu_of(before, nb, now[i].domain);
        double pct = prev && secs > 0 ? (double)(now[i].cpu_time - prev) / 1e9 / secs * 100 : 0;

        if (now[i].domain == 0)
            continue;
        svl_domname(&xl_ctx, now[i].domain, name, sizeof(name));
        printf("%-30s %5u %7.1f %8llu %6u\n", name, now[i].domain, pct,
               (unsigned long long)(now[i].tot_pages / 256), now[i].nr_online_vcpus);
        xl_vif_list_brief(now[i].domain);
    }
}

/* Xen's xentop options: -b/--batch, -d/--delay SECONDS, -i/--iterations N;
 * -n/--networks is taken and always on (every vif is shown). */
static int top_options(int argc, unsigned long *delay, long *iterations)
{
    unsigned long n;

    if (argc != 1)
        return xl_usage();
    if (xl_opt('d')) {
        if (!sv_parse_uint(xl_optarg('d'), 3600, &n) || n == 0)
            return xl_error("--delay takes whole seconds from 1 to 3600, not '%s'", xl_optarg('d'));
        *delay = n;
    }
    if (xl_opt('i')) {
        if (!sv_parse_uint(xl_optarg('i'), LONG_MAX, &n) || n == 0)
            return xl_error("--iterations takes a count of 1 or more, not '%s'", xl_optarg('i'));
        *iterations = (long)n;
    }
    return 0;
}

int cmd_top(int argc, char **argv)
{
    static xc_domaininfo_t a[TOP_MAX], b[TOP_MAX];
    xc_domaininfo_t *now = a, *before = b;
    long iterations = -1;
    unsigned long delay = 1;
    int n, nb = 0, status;
    bool batch = xl_opt('b');
    struct timespec t0, t1;

    (void)argv;
    status = top_options(argc, &delay, &iterations);
    if (status)
        return status;
    signal(SIGINT, on_int);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!stop && iterations != 0) {
        n = xc_domain_getinfolist(xl_ctx.xch, 0, TOP_MAX, now);
        if (n < 0)
            return xl_error("cannot list domains: %s", strerror(errno));
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (!batch)
            printf("\033[H\033[2J");
        print_table(now, n, before, nb,
                    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        fflush(stdout);
        t0 = t1;
        nb = n;
        before = now;
        now = now == a ? b : a;
        if (iterations > 0)
            iterations--;
        if (iterations != 0)
            sleep((unsigned)delay);
    }
    return 0;
}
