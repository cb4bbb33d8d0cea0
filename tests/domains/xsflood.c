/*
 * xsflood: a domain (or dom0 tool) that attacks xenstored, for the test
 * xenstore_hostile.  Each mode prints a line the script waits for, then
 * keeps attacking until it is killed.
 *
 *   trans                 (domain) open transactions and, in each, write one
 *                         node over and over and read ever new deep absent
 *                         paths, leaving some open: "TRANS"
 *   watch-noread DIR N    (domain, raw ring) N watches on DIR with distinct
 *                         tokens, then never read the ring again: "WATCHING"
 *   ring                  (domain, raw ring) keep the request ring full of
 *                         READs and kick on every one: "FLOODING"
 *   write DIR SECONDS     (dom0) write DIR/n0..n1999 round and round for
 *                         SECONDS, then print "WROTE <count>"
 *   burst DIR N           (dom0) write DIR/n0..n<N-1> with requests sent
 *                         back to back (no wait for each reply: a burst of
 *                         N distinct watch events however slow the
 *                         daemon's round trips), then print "WROTE <N>"
 *   check                 (dom0) XS_CONTROL check: xenstored recounts what
 *                         each domain holds and logs any drift; prints "OK"
 *   flip PATH A B N MS    (dom0, as the guest would) write A, then B, to PATH
 *                         N times, MS ms after each write: "FLIPPED"
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "sv/store_ring.h"
#include "sv/util.h"

static noreturn void die(const char *what)
{
    fprintf(stderr, "xsflood: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void say(const char *line)
{
    printf("%s\n", line);
    fflush(stdout);
}

static noreturn void mode_trans(void)
{
    struct xs_handle *h = xs_open(0);
    static char path[XENSTORE_REL_PATH_MAX];
    char *p = path + 16;
    unsigned int len;
    bool said = false;

    if (!h)
        die("xs_open");
    /* Deep absent paths: every missing level was logged in the
     * transaction, a megabyte a read. */
    memset(path, 'x', 16);
    while (p + 3 < path + sizeof(path))
        p += sprintf(p, "/a");
    for (unsigned long n = 0;; n++) {
        xs_transaction_t t = xs_transaction_start(h);

        /* At the open-transaction quota: the first ones stay open. */
        if (t == XBT_NULL) {
            usleep(1000);
            continue;
        }
        if (!said)
            say("TRANS");
        said = true;
        for (unsigned long i = 0;; i++) {
            snprintf(path, 16, "%015lu", n * 100000 + i);
            path[15] = 'x';
            free(xs_read(h, t, path, &len));
            if (errno != ENOENT || !xs_write(h, t, "data/same", path, 15))
                break;
        }
        /* Every fifth one is abandoned open; the rest are retried. */
        if (n % 5)
            xs_transaction_end(h, t, true);
    }
}

static struct sv_store_ring ring;

/* Copies a request into the ring if it all fits; true when it did. */
static bool ring_put(uint32_t type, const char *a, const char *b)
{
    struct xenstore_domain_interface *intf = ring.intf;
    size_t alen = strlen(a) + 1, blen = b ? strlen(b) + 1 : 0;
    struct xsd_sockmsg hdr = {type, 1, 0, (uint32_t)(alen + blen)};
    char msg[sizeof(hdr) + 256];
    size_t len = sizeof(hdr) + alen + blen;
    XENSTORE_RING_IDX prod = intf->req_prod;

    if (len > sizeof(msg))
        return false;
    memcpy(msg, &hdr, sizeof(hdr));
    memcpy(msg + sizeof(hdr), a, alen);
    if (b)
        memcpy(msg + sizeof(hdr) + alen, b, blen);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (prod - intf->req_cons + len > XENSTORE_RING_SIZE)
        return false;
    for (size_t i = 0; i < len; i++)
        intf->req[MASK_XENSTORE_IDX(prod + i)] = msg[i];
    __atomic_store_n(&intf->req_prod, prod + len, __ATOMIC_RELEASE);
    eventfd_write(ring.kick, 1);
    return true;
}

/* Throws away every reply and event xenstored wrote. */
static void ring_drain(void)
{
    struct xenstore_domain_interface *intf = ring.intf;

    __atomic_store_n(&intf->rsp_cons, __atomic_load_n(&intf->rsp_prod, __ATOMIC_ACQUIRE),
                     __ATOMIC_RELEASE);
    eventfd_write(ring.kick, 1);
}

static void ring_wait(void)
{
    struct pollfd p = {ring.doorbell, POLLIN, 0};
    eventfd_t v;

    if (poll(&p, 1, 100) > 0)
        eventfd_read(ring.doorbell, &v);
}

static noreturn void mode_watch_noread(const char *dir, unsigned int n)
{
    char tok[16];

    if (sv_store_ring_open(&ring))
        die("store ring");
    for (unsigned int i = 0; i < n; i++) {
        snprintf(tok, sizeof(tok), "t%u", i);
        while (!ring_put(XS_WATCH, dir, tok)) {
            ring_drain();
            ring_wait();
        }
    }
    /* Let the replies and initial events arrive, then stop reading. */
    for (int i = 0; i < 20; i++) {
        ring_wait();
        ring_drain();
    }
    say("WATCHING");
    for (;;)
        pause();
}

static noreturn void mode_ring(void)
{
    bool said = false;

    if (sv_store_ring_open(&ring))
        die("store ring");
    for (;;) {
        while (ring_put(XS_READ, "domid", NULL))
            ;
        ring_drain();
        if (!said)
            say("FLOODING");
        said = true;
    }
}

static int mode_write(const char *dir, int seconds)
{
    struct xs_handle *h = xs_open(0);
    time_t end = time(NULL) + seconds;
    char path[256];
    unsigned long n = 0;

    if (!h)
        die("xs_open");
    while (time(NULL) < end) {
        snprintf(path, sizeof(path), "%s/n%lu", dir, n % 2000);
        if (!xs_write(h, XBT_NULL, path, "v", 1))
            die("write");
        n++;
    }
    printf("WROTE %lu\n", n);
    xs_close(h);
    return 0;
}

/* The replies of a burst, read while it is sent: the daemon stops reading
 * a connection whose replies pile up. */
static void *burst_replies(void *arg)
{
    int fd = *(int *)arg;
    char buf[4096];

    while (read(fd, buf, sizeof(buf)) > 0)
        ;
    return NULL;
}

static int mode_burst(const char *dir, unsigned long n)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *socket_path = xs_daemon_socket();
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    pthread_t reader;
    char body[300];

    if (fd < 0 || !socket_path || strlen(socket_path) >= sizeof(sa.sun_path))
        die("socket");
    strcpy(sa.sun_path, socket_path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        die("connect");
    if (pthread_create(&reader, NULL, burst_replies, &fd))
        die("thread");
    for (unsigned long i = 0; i < n; i++) {
        /* XS_WRITE: the path, its NUL, the value (no NUL). */
        int len = snprintf(body, sizeof(body), "%s/n%lu%cv", dir, i, '\0');
        struct xsd_sockmsg hdr = {XS_WRITE, (uint32_t)i, 0, (uint32_t)len};

        if (sv_write_full(fd, &hdr, sizeof(hdr)) || sv_write_full(fd, body, (size_t)len))
            die("write");
    }
    shutdown(fd, SHUT_WR);
    pthread_join(reader, NULL);
    close(fd);
    printf("WROTE %lu\n", n);
    return 0;
}

static int mode_flip(const char *path, const char *a, const char *b, int n, int ms)
{
    struct xs_handle *h = xs_open(0);
    const struct timespec pause = {ms / 1000, (long)(ms % 1000) * 1000000};

    if (!h)
        die("xs_open");
    for (int i = 0; i < 2 * n; i++) {
        const char *v = i % 2 ? b : a;

        if (!xs_write(h, XBT_NULL, path, v, (unsigned int)strlen(v)))
            die("write");
        nanosleep(&pause, NULL);
    }
    say("FLIPPED");
    xs_close(h);
    return 0;
}

static int mode_check(void)
{
    struct xs_handle *h = xs_open(0);
    char *reply = h ? xs_control_command(h, "check", NULL, 0) : NULL;

    if (!reply)
        die("check");
    printf("%s\n", reply);
    free(reply);
    xs_close(h);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && !strcmp(argv[1], "trans"))
        mode_trans();
    if (argc == 4 && !strcmp(argv[1], "watch-noread"))
        mode_watch_noread(argv[2], (unsigned int)atoi(argv[3]));
    if (argc == 2 && !strcmp(argv[1], "ring"))
        mode_ring();
    if (argc == 4 && !strcmp(argv[1], "write"))
        return mode_write(argv[2], atoi(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "burst"))
        return mode_burst(argv[2], strtoul(argv[3], NULL, 10));
    if (argc == 2 && !strcmp(argv[1], "check"))
        return mode_check();
    if (argc == 7 && !strcmp(argv[1], "flip"))
        return mode_flip(argv[2], argv[3], argv[4], atoi(argv[5]), atoi(argv[6]));
    fprintf(stderr, "usage: see the header of tests/domains/xsflood.c\n");
    return 2;
}
