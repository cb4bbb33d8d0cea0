/*
 * vchandom: Debian's libxenvchan (libxenvchan.a, unmodified, as Qubes'
 * qrexec uses it) linked against our libxengnttab, libxenevtchn and
 * libxenstore: a domain image for test grant_vchan and bench/vchan.
 *
 *   server PEER PATH MIB   serve a vchan for PEER ("next": the domain created
 *                          after us) at xenstore PATH (relative to our home,
 *                          as qrexec passes it), print "READY"
 *   client SRV PATH MIB    connect to SRV's vchan at PATH (absolute)
 *   socketpair MIB         (dom0, the baseline) the same exchange between two
 *                          threads over a unix socket pair
 *
 * Both ends send MIB MiB and receive MIB MiB at once and check every byte:
 * "VERIFIED rx=N tx=N", then "RATE R MB/s" (bytes moved both ways over the
 * time).  Then each waits, in poll() on the event channel alone, until the
 * other end is gone: "PEER CLOSED" (its unmap notify woke us and cleared its
 * live byte), or dies on a mismatch ("MISMATCH at N") or a 30 s stall.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenstore.h>
#include <libxenvchan.h>

/* A byte stream of period PERIOD (prime: a slip by any ring size shows). */
#define PERIOD     1048573u
#define CHUNK      65536u
#define RING_BYTES (256 * 1024) /* each direction: 64 shared pages */
#define STALL_MS   30000

static uint8_t pattern[PERIOD + CHUNK];

static void pattern_init(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;

    for (size_t i = 0; i < sizeof(pattern); i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pattern[i] = i < PERIOD ? (uint8_t)x : pattern[i - PERIOD];
    }
}

/* Where byte `off` of a stream starts in pattern[]; the two directions are
 * shifted apart so that an echo of our own bytes does not verify. */
static const uint8_t *stream_at(uint64_t off, bool server)
{
    return pattern + (off + (server ? PERIOD / 2 : 0)) % PERIOD;
}

/* One end of the exchange: libxenvchan or a socket. */
struct end {
    struct libxenvchan *vc;
    int sock;
    bool server;
};

static int end_write(struct end *e, const void *buf, size_t len)
{
    ssize_t n;

    if (e->vc)
        return libxenvchan_write(e->vc, buf, len);
    n = send(e->sock, buf, len, MSG_DONTWAIT);
    return n < 0 && errno == EAGAIN ? 0 : (int)n;
}

static int end_read(struct end *e, void *buf, size_t len)
{
    ssize_t n;

    if (e->vc)
        return libxenvchan_read(e->vc, buf, len);
    n = recv(e->sock, buf, len, MSG_DONTWAIT);
    return n < 0 && errno == EAGAIN ? 0 : n == 0 ? -1 : (int)n;
}

/* Waits for the other end to move (an event, or socket readiness). */
static int end_wait(struct end *e, bool want_write)
{
    struct pollfd p = {.fd = e->vc ? libxenvchan_fd_for_select(e->vc) : e->sock,
                       .events = POLLIN | (!e->vc && want_write ? POLLOUT : 0)};
    int n = poll(&p, 1, STALL_MS);

    if (n <= 0)
        return -1;
    return e->vc ? libxenvchan_wait(e->vc) : 0;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sends and receives `total` bytes each way, checking what arrives. */
static int exchange(struct end *e, uint64_t total, const char *who)
{
    uint8_t rbuf[CHUNK]; /* per call: the socket pair runs two at once */
    uint64_t tx = 0, rx = 0;
    double start = 0;

    while (tx < total || rx < total) {
        bool moved = false;

        if (tx < total) {
            size_t n = total - tx < CHUNK ? (size_t)(total - tx) : CHUNK;
            int w = end_write(e, stream_at(tx, e->server), n);

            if (w < 0)
                return fprintf(stderr, "%sWRITE failed at %llu\n", who, (unsigned long long)tx), -1;
            tx += (uint64_t)w;
            moved |= w > 0;
        }
        if (rx < total) {
            size_t n = total - rx < CHUNK ? (size_t)(total - rx) : CHUNK;
            int r = end_read(e, rbuf, n);

            if (r < 0)
                return fprintf(stderr, "%sREAD failed at %llu\n", who, (unsigned long long)rx), -1;
            if (r > 0 && memcmp(rbuf, stream_at(rx, !e->server), (size_t)r)) {
                printf("%sMISMATCH at %llu\n", who, (unsigned long long)rx);
                return -1;
            }
            if (!rx && r > 0)
                start = now_s(); /* the peer is there: the server waited for it */
            rx += (uint64_t)r;
            moved |= r > 0;
        }
        if (!moved && end_wait(e, tx < total) < 0)
            return fprintf(stderr, "%sSTALL tx=%llu rx=%llu\n", who, (unsigned long long)tx,
                           (unsigned long long)rx),
                   -1;
    }
    printf("%sVERIFIED rx=%llu tx=%llu\n", who, (unsigned long long)rx, (unsigned long long)tx);
    printf("%sRATE %.1f MB/s\n", who, (double)(rx + tx) / 1e6 / (now_s() - start));
    return 0;
}

/* After the exchange: sleeps on the event channel until the peer is gone. */
static int wait_peer_gone(struct libxenvchan *vc)
{
    struct pollfd p = {.fd = libxenvchan_fd_for_select(vc), .events = POLLIN};

    while (libxenvchan_is_open(vc)) {
        if (poll(&p, 1, -1) < 0 || libxenvchan_wait(vc) < 0)
            return 1;
    }
    printf("PEER CLOSED\n");
    pause(); /* the test kills us, or looks at our own death's notify */
    return 0;
}

static int run_vchan(struct libxenvchan *vc, bool server, uint64_t mib)
{
    struct end e = {.vc = vc, .server = server};

    if (!vc) {
        printf("VCHAN init failed: %s\n", strerror(errno));
        return 1;
    }
    vc->blocking = 0;
    if (server)
        printf("READY\n");
    if (exchange(&e, mib << 20, "") < 0)
        return 1;
    return wait_peer_gone(vc);
}

struct sock_job {
    struct end end;
    uint64_t total;
    int rc;
};

static void *sock_thread(void *arg)
{
    struct sock_job *j = arg;

    j->rc = exchange(&j->end, j->total, "peer ");
    return NULL;
}

static int run_socketpair(uint64_t mib)
{
    int sv[2];
    struct sock_job peer = {.total = mib << 20};
    struct end e = {.server = true};
    pthread_t t;
    int rc;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return 1;
    e.sock = sv[0];
    peer.end = (struct end){.sock = sv[1], .server = false};
    if (pthread_create(&t, NULL, sock_thread, &peer))
        return 1;
    rc = exchange(&e, mib << 20, "");
    pthread_join(t, NULL);
    close(sv[0]);
    close(sv[1]);
    return rc < 0 || peer.rc < 0;
}

/* A domid argument; "next" is ours + 1 (domids are handed out in turn). */
static int peer_domid(const char *arg)
{
    struct xs_handle *xs;
    char *mine;
    int id = -1;

    if (strcmp(arg, "next"))
        return atoi(arg);
    xs = xs_open(0);
    mine = xs ? xs_read(xs, XBT_NULL, "domid", NULL) : NULL;
    if (mine)
        id = atoi(mine) + 1;
    free(mine);
    if (xs)
        xs_close(xs);
    return id;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    setvbuf(stdout, NULL, _IOLBF, 0);
    pattern_init();
    if (!strcmp(mode, "server") && argc == 5)
        return run_vchan(
            libxenvchan_server_init(NULL, peer_domid(argv[2]), argv[3], RING_BYTES, RING_BYTES),
            true, strtoull(argv[4], NULL, 10));
    if (!strcmp(mode, "client") && argc == 5)
        return run_vchan(libxenvchan_client_init(NULL, atoi(argv[2]), argv[3]), false,
                         strtoull(argv[4], NULL, 10));
    if (!strcmp(mode, "socketpair") && argc == 3)
        return run_socketpair(strtoull(argv[2], NULL, 10));
    fprintf(stderr,
            "usage: vchandom server PEER PATH MIB | client SRV PATH MIB | socketpair MIB\n");
    return 2;
}
