/*
 * Wire backend "udp:HOST:PORT[,bind=PORT]": frames tunnelled to a peer xnic
 * so that two hosts share one L2 segment.  One frame per datagram, after a
 * 4-byte header: 'X' 'W', version 1, flags 0 (docs/xnic.md).  Datagrams from
 * other sources than HOST:PORT, or with a bad header, are dropped.  The local
 * port is bind=PORT, or PORT when not given.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sv/abi/xnic.h"
#include "wire.h"

#define UDP_HDR_LEN 4
static const uint8_t udp_hdr[UDP_HDR_LEN] = {'X', 'W', 1, 0};

struct udp_peer {
    struct sockaddr_storage addr;
    socklen_t len;
};

static int parse_spec(const char *arg, char *host, size_t hlen, char *port, char *bport)
{
    const char *comma = strchr(arg, ',');
    const char *colon;
    size_t n = comma ? (size_t)(comma - arg) : strlen(arg);

    colon = memrchr(arg, ':', n);
    if (!colon || colon == arg || (size_t)(colon - arg) >= hlen || n - (colon - arg) - 1 > 5 ||
        n - (colon - arg) - 1 == 0)
        return -EINVAL;
    memcpy(host, arg, colon - arg);
    host[colon - arg] = '\0';
    memcpy(port, colon + 1, n - (colon - arg) - 1);
    port[n - (colon - arg) - 1] = '\0';
    strcpy(bport, port);
    if (comma && (strncmp(comma + 1, "bind=", 5) || strlen(comma + 6) > 5 || !comma[6]))
        return -EINVAL;
    if (comma)
        strcpy(bport, comma + 6);
    return 0;
}

static int udp_socket(const struct addrinfo *peer, const char *bport, int *fd)
{
    struct sockaddr_storage local = {0};
    int s = socket(peer->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int p = atoi(bport);

    if (s < 0)
        return -errno;
    local.ss_family = (sa_family_t)peer->ai_family;
    if (peer->ai_family == AF_INET)
        ((struct sockaddr_in *)&local)->sin_port = htons((uint16_t)p);
    else
        ((struct sockaddr_in6 *)&local)->sin6_port = htons((uint16_t)p);
    if (p <= 0 || p > 65535 || bind(s, (struct sockaddr *)&local, peer->ai_addrlen) < 0) {
        int err = p <= 0 || p > 65535 ? -EINVAL : -errno;

        close(s);
        return err;
    }
    *fd = s;
    return 0;
}

static int udp_open(const char *arg, int *fd, void **priv)
{
    char host[256], port[6], bport[6];
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *ai;
    struct udp_peer *peer;
    int rc = parse_spec(arg, host, sizeof(host), port, bport);

    if (rc < 0)
        return rc;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return -EHOSTUNREACH;
    peer = calloc(1, sizeof(*peer));
    if (!peer) {
        rc = -ENOMEM;
        goto free_ai;
    }
    memcpy(&peer->addr, ai->ai_addr, ai->ai_addrlen);
    peer->len = ai->ai_addrlen;
    rc = udp_socket(ai, bport, fd);
    if (rc < 0)
        free(peer);
    else
        *priv = peer;
free_ai:
    freeaddrinfo(ai);
    return rc;
}

static int udp_send(int fd, void *priv, const uint8_t *frame, size_t len)
{
    struct udp_peer *peer = priv;
    struct iovec iov[2] = {{(void *)udp_hdr, UDP_HDR_LEN}, {(void *)frame, len}};
    struct msghdr msg = {.msg_name = &peer->addr, .msg_namelen = peer->len, .msg_iov = iov,
                         .msg_iovlen = 2};

    return sendmsg(fd, &msg, MSG_DONTWAIT) == (ssize_t)(len + UDP_HDR_LEN) ? 0 : -errno;
}

static bool same_peer(const struct udp_peer *peer, const struct sockaddr_storage *from,
                      socklen_t len)
{
    return len == peer->len && !memcmp(from, &peer->addr, len);
}

static long udp_recv(int fd, void *priv, uint8_t *buf, size_t len)
{
    uint8_t hdr[UDP_HDR_LEN];
    struct sockaddr_storage from;
    struct iovec iov[2] = {{hdr, UDP_HDR_LEN}, {buf, len}};
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = iov,
                         .msg_iovlen = 2};

    for (;;) {
        ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        if (n >= UDP_HDR_LEN && !memcmp(hdr, udp_hdr, UDP_HDR_LEN) &&
            same_peer(priv, &from, msg.msg_namelen) && !(msg.msg_flags & MSG_TRUNC))
            return n - UDP_HDR_LEN;
        msg.msg_namelen = sizeof(from); /* not ours or malformed: next datagram */
    }
}

static void udp_close(int fd, void *priv)
{
    close(fd);
    free(priv);
}

const struct wire_ops wire_udp_ops = {
    .prefix = "udp:", .open = udp_open, .send = udp_send, .recv = udp_recv, .close = udp_close};
