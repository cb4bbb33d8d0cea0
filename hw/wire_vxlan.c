/*
 * Wire backend "vxlan:VNI,remote=ADDR[,remote=ADDR...][,local=ADDR][,port=N]":
 * the NIC's wire as a VXLAN tunnel endpoint (RFC 7348), so that it shares
 * an L2 segment with Linux's vxlan devices, Open vSwitch or another xnic.
 * One frame per UDP datagram behind the 8-byte VXLAN header (flags 0x08,
 * the 24-bit VNI); the socket is bound to local:port (default any, 4789)
 * and sends to each remote at port.
 *
 * No multicast group: a static peer list.  Unicast goes to the peer the
 * destination MAC was last seen behind (learnt from what arrives, aged
 * after 300 s, as Linux's vxlan learns), broadcast, multicast and unknown
 * unicast to every peer (head-end replication).  A datagram is dropped
 * unless it comes from a listed peer's address (any source port: Linux
 * picks one per flow), is not truncated, has the I flag and our VNI, and
 * holds at least an Ethernet header; a receive looks at most
 * VXLAN_SKIP_MAX such datagrams before it yields to the NIC's loop.
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
#include <time.h>
#include <unistd.h>

#include "sv/log.h"
#include "sv/util.h"
#include "wire.h"
#include "xnic_filter.h"

#define VXLAN_HDR_LEN   8
#define VXLAN_FLAG_I    0x08
#define VXLAN_PORT      4789
#define VXLAN_VNI_MAX   0xffffffu
#define VXLAN_PEERS_MAX 64
/* Bad datagrams one receive drops before it lets the loop serve others. */
#define VXLAN_SKIP_MAX 64
#define FDB_SIZE       4096 /* learnt MACs, direct-mapped: a flood replaces, never grows */
#define FDB_AGE_NS     (300ull * 1000000000ull)
#define ETH_HLEN       14

struct fdb_entry {
    uint8_t mac[6];
    uint8_t peer;
    bool used;
    uint64_t seen_ns;
};

struct vxlan {
    uint8_t hdr[VXLAN_HDR_LEN]; /* what we send, VNI included */
    unsigned npeers;
    struct sockaddr_storage peer[VXLAN_PEERS_MAX];
    socklen_t peer_len;
    struct fdb_entry fdb[FDB_SIZE];
    unsigned long dropped; /* datagrams refused, for the log */
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct fdb_entry *fdb_slot(struct vxlan *v, const uint8_t mac[6])
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (int i = 0; i < 6; i++)
        h = (h ^ mac[i]) * 16777619u;
    return &v->fdb[h % FDB_SIZE];
}

/* The peer a unicast MAC was last seen behind, or -1 (unknown, aged). */
static int fdb_lookup(struct vxlan *v, const uint8_t mac[6])
{
    const struct fdb_entry *e = fdb_slot(v, mac);

    if (!e->used || memcmp(e->mac, mac, 6) || now_ns() - e->seen_ns > FDB_AGE_NS)
        return -1;
    return e->peer;
}

static void fdb_learn(struct vxlan *v, const uint8_t mac[6], unsigned peer)
{
    struct fdb_entry *e = fdb_slot(v, mac);

    if (xnic_mac_is_multicast(mac))
        return;
    *e = (struct fdb_entry){.peer = (uint8_t)peer, .used = true, .seen_ns = now_ns()};
    memcpy(e->mac, mac, 6);
}

/* ADDR (numeric, v4 or v6) with port into *ss; 0 or -EINVAL. */
static int parse_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST}, *ai;
    char service[8];

    snprintf(service, sizeof(service), "%u", port);
    if (!*addr || getaddrinfo(addr, service, &hints, &ai) != 0)
        return -EINVAL;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

/* Splits "VNI,key=value,..." into v and the local address; logs what is wrong. */
static int parse_spec(const char *arg, struct vxlan *v, char *local, size_t llen,
                      unsigned long *port, char (*remotes)[64])
{
    char *copy = strdup(arg), *save = NULL, *tok;
    unsigned long vni;
    int err = -EINVAL;

    if (!copy)
        return -ENOMEM;
    tok = strtok_r(copy, ",", &save);
    if (!tok || !sv_parse_uint(tok, VXLAN_VNI_MAX, &vni)) {
        log_warnx("wire vxlan:%s: the VNI (0-%u) comes first", arg, VXLAN_VNI_MAX);
        goto out;
    }
    v->hdr[0] = VXLAN_FLAG_I;
    v->hdr[4] = (uint8_t)(vni >> 16);
    v->hdr[5] = (uint8_t)(vni >> 8);
    v->hdr[6] = (uint8_t)vni;
    while ((tok = strtok_r(NULL, ",", &save))) {
        if (!strncmp(tok, "remote=", 7) && strlen(tok + 7) < 64 && tok[7]) {
            if (v->npeers == VXLAN_PEERS_MAX) {
                log_warnx("wire vxlan:%s: more than %d remotes", arg, VXLAN_PEERS_MAX);
                goto out;
            }
            strcpy(remotes[v->npeers++], tok + 7);
        } else if (!strncmp(tok, "local=", 6) && strlen(tok + 6) < llen && tok[6]) {
            strcpy(local, tok + 6);
        } else if (!strncmp(tok, "port=", 5) && sv_parse_uint(tok + 5, 65535, port) && *port) {
            continue;
        } else {
            log_warnx("wire vxlan:%s: '%s' is not remote=ADDR, local=ADDR or port=1-65535", arg,
                      tok);
            goto out;
        }
    }
    if (!v->npeers)
        log_warnx("wire vxlan:%s: no remote= (a static peer list: at least one)", arg);
    else
        err = 0;
out:
    free(copy);
    return err;
}

static int vxlan_socket(struct vxlan *v, const char *local, uint16_t port, int *fd)
{
    struct sockaddr_storage bind_addr = {0};
    socklen_t blen = v->peer_len;
    int family = v->peer[0].ss_family, s;

    if (*local && parse_addr(local, port, &bind_addr, &blen) < 0)
        return log_warnx("wire vxlan: local=%s is no numeric address", local), -EINVAL;
    if (!*local) {
        bind_addr.ss_family = (sa_family_t)family;
        if (family == AF_INET)
            ((struct sockaddr_in *)&bind_addr)->sin_port = htons(port);
        else
            ((struct sockaddr_in6 *)&bind_addr)->sin6_port = htons(port);
    }
    if (bind_addr.ss_family != family)
        return log_warnx("wire vxlan: local=%s and the remotes are of different families", local),
               -EINVAL;
    s = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    if (bind(s, (struct sockaddr *)&bind_addr, blen) < 0) {
        int err = -errno;

        log_warn("wire vxlan: cannot bind %s port %u", *local ? local : "any", port);
        close(s);
        return err;
    }
    *fd = s;
    return 0;
}

static int vxlan_open(const char *arg, int *fd, void **priv)
{
    struct vxlan *v = calloc(1, sizeof(*v));
    char local[64] = "", (*remotes)[64] = calloc(VXLAN_PEERS_MAX, 64);
    unsigned long port = VXLAN_PORT;
    int err = v && remotes ? parse_spec(arg, v, local, sizeof(local), &port, remotes) : -ENOMEM;

    for (unsigned i = 0; !err && i < v->npeers; i++) {
        socklen_t len;

        err = parse_addr(remotes[i], (uint16_t)port, &v->peer[i], &len);
        if (err)
            log_warnx("wire vxlan:%s: remote=%s is no numeric address", arg, remotes[i]);
        else if (i && (len != v->peer_len || v->peer[i].ss_family != v->peer[0].ss_family))
            err = -EINVAL, log_warnx("wire vxlan:%s: remotes of different families", arg);
        v->peer_len = len;
    }
    if (!err)
        err = vxlan_socket(v, local, (uint16_t)port, fd);
    free(remotes);
    if (err) {
        free(v);
        return err;
    }
    *priv = v;
    return 0;
}

static int send_to(int fd, struct vxlan *v, unsigned peer, const uint8_t *frame, size_t len)
{
    struct iovec iov[2] = {{v->hdr, VXLAN_HDR_LEN}, {(void *)frame, len}};
    struct msghdr msg = {
        .msg_name = &v->peer[peer], .msg_namelen = v->peer_len, .msg_iov = iov, .msg_iovlen = 2};

    return sendmsg(fd, &msg, MSG_DONTWAIT) == (ssize_t)(len + VXLAN_HDR_LEN) ? 0 : -errno;
}

static int vxlan_send(int fd, void *priv, const uint8_t *frame, size_t len)
{
    struct vxlan *v = priv;
    int peer = len >= ETH_HLEN && !xnic_mac_is_multicast(frame) ? fdb_lookup(v, frame) : -1;
    int err = 0;

    if (peer >= 0)
        return send_to(fd, v, (unsigned)peer, frame, len);
    /* Head-end replication: one copy per peer; one that fails does not
     * keep the frame from the others. */
    for (unsigned i = 0; i < v->npeers; i++) {
        int e = send_to(fd, v, i, frame, len);

        err = err ? err : e;
    }
    return err;
}

/* Which listed peer sent from `from` (its address; any port), or -1. */
static int peer_of(const struct vxlan *v, const struct sockaddr_storage *from)
{
    for (unsigned i = 0; i < v->npeers; i++) {
        if (from->ss_family != v->peer[i].ss_family)
            continue;
        if (from->ss_family == AF_INET &&
            ((const struct sockaddr_in *)from)->sin_addr.s_addr ==
                ((const struct sockaddr_in *)&v->peer[i])->sin_addr.s_addr)
            return (int)i;
        if (from->ss_family == AF_INET6 &&
            !memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr,
                    &((const struct sockaddr_in6 *)&v->peer[i])->sin6_addr,
                    sizeof(struct in6_addr)))
            return (int)i;
    }
    return -1;
}

static long vxlan_recv(int fd, void *priv, uint8_t *buf, size_t len)
{
    struct vxlan *v = priv;
    uint8_t hdr[VXLAN_HDR_LEN];
    struct sockaddr_storage from;
    struct iovec iov[2] = {{hdr, VXLAN_HDR_LEN}, {buf, len}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

    for (unsigned skipped = 0; skipped < VXLAN_SKIP_MAX; skipped++) {
        ssize_t n;
        int peer;

        msg.msg_name = &from;
        msg.msg_namelen = sizeof(from);
        n = recvmsg(fd, &msg, MSG_DONTWAIT);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        peer = peer_of(v, &from);
        /* RFC 7348: the I flag set and the VNI ours; the reserved bits are
         * ignored on receipt. */
        if (peer >= 0 && n >= VXLAN_HDR_LEN + ETH_HLEN && !(msg.msg_flags & MSG_TRUNC) &&
            (hdr[0] & VXLAN_FLAG_I) && !memcmp(hdr + 4, v->hdr + 4, 3)) {
            fdb_learn(v, buf + 6, (unsigned)peer);
            return n - VXLAN_HDR_LEN;
        }
        v->dropped++;
        if (!(v->dropped & (v->dropped - 1))) /* the 1st, 2nd, 4th, 8th... */
            log_info("wire vxlan: %lu datagrams dropped (not from a peer, short, truncated, "
                     "no I flag or another VNI)",
                     v->dropped);
    }
    return 0; /* a flood of garbage: the loop serves the others, then us again */
}

static void vxlan_close(int fd, void *priv)
{
    close(fd);
    free(priv);
}

const struct wire_ops wire_vxlan_ops = {.prefix = "vxlan:",
                                        .open = vxlan_open,
                                        .send = vxlan_send,
                                        .recv = vxlan_recv,
                                        .close = vxlan_close};
