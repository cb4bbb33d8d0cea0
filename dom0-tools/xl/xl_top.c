/*
 * xl top: a refreshing table of the domains, Domain-0 (the host) first,
 * with their CPU use (over the last interval), memory, and the packets and
 * bytes of the NIC queues that serve each vif.  `xl top -b -i N` prints N
 * iterations and stops (for scripts), as Xen's xentop; q or Ctrl-C leaves.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sv/util.h"
#include "xl.h"

#define TOP_MAX 256

static volatile sig_atomic_t stop;

/* The terminal as it was, while top reads single keys (q leaves). */
static struct termios saved;
static bool raw;

static void keys_on(void)
{
    struct termios t;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0)
        return;
    t = saved;
    t.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
}

static void keys_off(void)
{
    if (raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    raw = false;
}

/* Waits secs seconds, or less when q (or Q) is typed: then true. */
static bool wait_or_quit(unsigned long secs)
{
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    struct timespec end, now;
    char c;

    if (!raw) {
        sleep((unsigned)secs);
        return false;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += (time_t)secs;
    for (;;) {
        long ms;

        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
        if (ms <= 0 || stop)
            return false;
        if (poll(&p, 1, (int)ms) > 0 && read(STDIN_FILENO, &c, 1) == 1 && (c == 'q' || c == 'Q'))
            return true;
    }
}

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

/* A vif's line: its NIC queues' packets and bytes (steering says where a
 * vif without queues of its own is served). */
static void print_vifs(uint32_t domid)
{
    static struct svl_domstats st;

    if (svl_domain_stats(&xl_ctx, domid, &st) < 0) {
        svl_error_clear(&xl_ctx);
        return;
    }
    for (unsigned i = 0; i < st.nr_vifs; i++) {
        const struct svl_vif_stats *v = &st.vifs[i];

        if (v->counted)
            printf("    vif %u %s  %s  RX %llu pkts %llu bytes  TX %llu pkts %llu bytes\n",
                   v->devid, v->mac[0] ? v->mac : "-", v->steering,
                   (unsigned long long)v->rx_packets, (unsigned long long)v->rx_bytes,
                   (unsigned long long)v->tx_packets, (unsigned long long)v->tx_bytes);
        else
            printf("    vif %u %s  %s\n", v->devid, v->mac[0] ? v->mac : "-",
                   v->steering[0] ? v->steering : "-");
    }
}

static void print_table(const xc_domaininfo_t *now, int n, const xc_domaininfo_t *before, int nb,
                        double secs)
{
    xc_physinfo_t pi = {0};

    xc_physinfo(xl_ctx.xch, &pi);
    printf("%-30s %5s %7s %8s %6s\n", "NAME", "ID", "CPU(%)", "MEM(MiB)", "VCPUS");
    for (int i = 0; i < n; i++) {
        char name[64] = "?";
        uint64_t prev = cpu_of(before, nb, now[i].domain);
        double pct = prev && secs > 0 ? (double)(now[i].cpu_time - prev) / 1e9 / secs * 100 : 0;
        /* dom0 is the host: its memory, as xl list shows it. */
        uint64_t pages = now[i].domain == 0 ? pi.total_pages : now[i].tot_pages;

        svl_domname(&xl_ctx, now[i].domain, name, sizeof(name));
        printf("%-30s %5u %7.1f %8llu %6u\n", name, now[i].domain, pct,
               (unsigned long long)(pages / 256), now[i].nr_online_vcpus);
        if (now[i].domain != 0)
            print_vifs(now[i].domain);
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
    if (!batch)
        keys_on();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!stop && iterations != 0) {
        n = xc_domain_getinfolist(xl_ctx.xch, 0, TOP_MAX, now);
        if (n < 0) {
            keys_off();
            return xl_error("cannot list domains: %s", strerror(errno));
        }
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
        if (iterations != 0 && wait_or_quit(delay))
            break;
    }
    keys_off();
    return 0;
}
