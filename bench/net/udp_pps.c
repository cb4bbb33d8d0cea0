/*
 * udp-pps: small-packet rate through any IPv4 path, measured with ordinary
 * UDP sockets so that every path (a veth pair, a guest's TAP through the
 * driver domain) is driven by the same program.  The sender blasts
 * datagrams sized so that each Ethernet frame is --frame bytes (64 by
 * default: 22 bytes of UDP payload), 64 per sendmmsg; the receiver counts
 * what arrives, from the first datagram on, for --seconds.
 *
 *   udp-pps recv --port P [--seconds S]
 *   udp-pps send --to A.B.C.D --port P [--seconds S] [--frame BYTES]
 *
 * recv prints "rx_pps N" (what got through: the figure), send "tx_pps N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sv/clock.h"
#include "sv/log.h"

#define BATCH      64
#define HDRS       (14 + 20 + 8) /* Ethernet, IPv4, UDP */
#define FIRST_WAIT 10.0          /* seconds the receiver waits for a first datagram */

struct opts {
    const char *to;
    unsigned port;
    double seconds;
    unsigned frame;
};

static int udp_socket(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int buf = 4 << 20;

    if (s < 0)
        fatal("socket");
    /* A deep buffer so the receiver's scheduling gaps do not show as loss. */
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
    setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
    return s;
}

/* Receives datagrams in batches; wakes every 100 ms to look at the clock. */
static int do_recv(const struct opts *o)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    struct timeval tick = {.tv_usec = 100000};
    static char bufs[BATCH][2048];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    uint64_t packets = 0;
    double t0 = 0, start = sv_now_s(), t;
    int s = udp_socket();

    if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        fatal("bind port %u", o->port);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof(tick));
    printf("listening\n");
    fflush(stdout);
    for (;;) {
        int n;

        memset(msgs, 0, sizeof(msgs));
        for (int i = 0; i < BATCH; i++) {
            iov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
            msgs[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
        }
        n = recvmmsg(s, msgs, BATCH, 0, NULL);
        t = sv_now_s();
        if (n > 0 && !packets)
            t0 = t;
        if (n > 0)
            packets += (unsigned)n;
        else if (errno != EAGAIN && errno != EINTR)
            fatal("recvmmsg");
        if (packets && t - t0 >= o->seconds)
            break;
        if (!packets && t - start >= FIRST_WAIT) {
            printf("rx_pps 0\n");
            return 1;
        }
    }
    printf("rx_pps %.0f\n", (double)packets / (t - t0));
    close(s);
    return 0;
}

static int do_send(const struct opts *o)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    static char payload[2048];
    struct mmsghdr msgs[BATCH];
    struct iovec iov = {payload, o->frame - HDRS};
    uint64_t packets = 0;
    double t0 = sv_now_s(), t;
    int s = udp_socket();

    if (inet_pton(AF_INET, o->to, &sa.sin_addr) != 1)
        fatalx("--to %s: not an IPv4 address", o->to);
    if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        fatal("connect %s:%u", o->to, o->port);
    memset(msgs, 0, sizeof(msgs));
    for (int i = 0; i < BATCH; i++)
        msgs[i].msg_hdr = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1};
    do {
        int n = sendmmsg(s, msgs, BATCH, 0);

        /* A full device queue or an ICMP error from a late receiver is not fatal. */
        if (n > 0)
            packets += (unsigned)n;
        t = sv_now_s();
    } while (t - t0 < o->seconds);
    printf("tx_pps %.0f\n", (double)packets / (t - t0));
    close(s);
    return 0;
}

static void usage(void)
{
    fatalx("usage: udp-pps recv --port P [--seconds S] | "
           "send --to ADDR --port P [--seconds S] [--frame BYTES]");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"to", required_argument, NULL, 't'},
                                             {"port", required_argument, NULL, 'p'},
                                             {"seconds", required_argument, NULL, 's'},
                                             {"frame", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    struct opts o = {.port = 0, .seconds = 5, .frame = 64};
    int c;

    log_init(argv[0]);
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 't')
            o.to = optarg;
        else if (c == 'p')
            o.port = (unsigned)atoi(optarg);
        else if (c == 's')
            o.seconds = atof(optarg);
        else if (c == 'f')
            o.frame = (unsigned)atoi(optarg);
        else
            usage();
    }
    if (optind != argc - 1 || o.port == 0 || o.port > 65535 || o.seconds <= 0 || o.frame < 60 ||
        o.frame > 1514)
        usage();
    if (!strcmp(argv[optind], "recv"))
        return do_recv(&o);
    if (!strcmp(argv[optind], "send") && o.to)
        return do_send(&o);
    usage();
    return 2;
}
