/*
 * xs_bench: xenstore requests per second and latency percentiles over the
 * dom0 socket (through libxenstore), beside a baseline measured in the same
 * run: the round trip of the same bytes to an echo process over a unix
 * socket pair, i.e. the transport cost with no xenstore work at all.
 * Usage: xs_bench [N]   (XENSTORED_PATH / SPLITVISOR_RUNDIR name the daemon)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "sv/util.h"
#include "sv/clock.h"

struct result {
    const char *name;
    double secs, p50, p99; /* total, and per-request latency in us */
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void summarize(struct result *r, double *lat, int n, double secs)
{
    qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
    r->secs = secs;
    r->p50 = lat[n / 2] * 1e6;
    r->p99 = lat[n * 99 / 100] * 1e6;
}

/* The echo peer: returns every message (header + payload) as it came. */
static void echo_loop(int fd)
{
    struct xsd_sockmsg hdr;
    char body[XENSTORE_PAYLOAD_MAX];

    while (sv_read_full(fd, &hdr, sizeof(hdr)) == (long)sizeof(hdr) && hdr.len <= sizeof(body) &&
           sv_read_full(fd, body, hdr.len) == (long)hdr.len) {
        if (sv_write_full(fd, &hdr, sizeof(hdr)) || sv_write_full(fd, body, hdr.len))
            break;
    }
    _exit(0);
}

static int run_baseline(struct result *r, double *lat, int n)
{
    static const char path[] = "/bench/key";
    struct xsd_sockmsg hdr = {XS_READ, 0, 0, sizeof(path)}, back;
    char body[sizeof(path)];
    int sv[2];
    pid_t pid;
    double t0;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        return -errno;
    pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        close(sv[0]);
        echo_loop(sv[1]);
    }
    close(sv[1]);
    t0 = sv_now_s();
    for (int i = 0; i < n; i++) {
        double t = sv_now_s();

        if (sv_write_full(sv[0], &hdr, sizeof(hdr)) || sv_write_full(sv[0], path, sizeof(path)) ||
            sv_read_full(sv[0], &back, sizeof(back)) != (long)sizeof(back) ||
            sv_read_full(sv[0], body, back.len) != (long)back.len)
            return -EIO;
        lat[i] = sv_now_s() - t;
    }
    summarize(r, lat, n, sv_now_s() - t0);
    close(sv[0]);
    waitpid(pid, NULL, 0);
    return 0;
}

/* Where the bench writes: the root over the socket (dom0), the domain's
 * own data/ directory over a domain's ring. */
static const char *bench_dir = "/bench";

static int run_read(struct xs_handle *h, struct result *r, double *lat, int n)
{
    double t0 = sv_now_s();
    unsigned int len;
    char key[64];

    snprintf(key, sizeof(key), "%s/key", bench_dir);
    for (int i = 0; i < n; i++) {
        double t = sv_now_s();
        void *v = xs_read(h, XBT_NULL, key, &len);

        if (!v)
            return -errno;
        free(v);
        lat[i] = sv_now_s() - t;
    }
    summarize(r, lat, n, sv_now_s() - t0);
    return 0;
}

static int run_write(struct xs_handle *h, struct result *r, double *lat, int n)
{
    double t0 = sv_now_s();
    char path[64];

    for (int i = 0; i < n; i++) {
        double t = sv_now_s();

        snprintf(path, sizeof(path), "%s/w/%d", bench_dir, i % 100);
        if (!xs_write(h, XBT_NULL, path, "value", 5))
            return -errno;
        lat[i] = sv_now_s() - t;
    }
    summarize(r, lat, n, sv_now_s() - t0);
    return 0;
}

static void print(const struct result *r, int n, const struct result *base)
{
    printf("%-28s %10.0f req/s  p50 %7.1f us  p99 %7.1f us  "
           "x%.2f of baseline p50\n",
           r->name, n / r->secs, r->p50, r->p99, r->p50 / base->p50);
}

/* Inside a domain (xs_bench --ring N): the same requests over the domain's
 * ring page and event channel, printed beside the socket figures by run.sh
 * (a domain cannot fork the echo baseline). */
static int ring_main(int n)
{
    struct result rd = {"xenstore READ (ring)", 0, 0, 0}, wr = {"xenstore WRITE (ring)", 0, 0, 0};
    double *lat = calloc((size_t)n, sizeof(*lat));
    struct xs_handle *h = xs_open(0);

    bench_dir = "data/bench";
    if (!lat || !h || !xs_write(h, XBT_NULL, "data/bench/key", "value", 5) ||
        run_read(h, &rd, lat, n / 10 + 1) || run_read(h, &rd, lat, n) ||
        run_write(h, &wr, lat, n / 10 + 1) || run_write(h, &wr, lat, n)) {
        perror("bench over the ring");
        return 1;
    }
    printf("%-28s %10.0f req/s  p50 %7.1f us  p99 %7.1f us\n", rd.name, n / rd.secs, rd.p50,
           rd.p99);
    printf("%-28s %10.0f req/s  p50 %7.1f us  p99 %7.1f us\n", wr.name, n / wr.secs, wr.p50,
           wr.p99);
    xs_close(h);
    free(lat);
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;

    if (argc > 2 && !strcmp(argv[1], "--ring"))
        return ring_main(atoi(argv[2]) > 0 ? atoi(argv[2]) : 20000);
    struct result base = {"baseline: unix echo", 0, 0, 0}, rd = {"xenstore READ", 0, 0, 0},
                  wr = {"xenstore WRITE", 0, 0, 0};
    double *lat = calloc((size_t)(n > 0 ? n : 1), sizeof(*lat));
    struct xs_handle *h;

    if (n <= 0 || !lat)
        return 2;
    h = xs_open(0);
    if (!h || !xs_write(h, XBT_NULL, "/bench/key", "value", 5)) {
        perror("xenstored");
        return 1;
    }
    /* A first pass of each warms caches and the scheduler; the second
     * counts. */
    if (run_baseline(&base, lat, n / 10 + 1) || run_baseline(&base, lat, n) ||
        run_read(h, &rd, lat, n / 10 + 1) || run_read(h, &rd, lat, n) ||
        run_write(h, &wr, lat, n / 10 + 1) || run_write(h, &wr, lat, n)) {
        perror("bench");
        return 1;
    }
    printf("%d requests each, one in flight\n", n);
    print(&base, n, &base);
    print(&rd, n, &base);
    print(&wr, n, &base);
    xs_close(h);
    free(lat);
    return 0;
}
