/* Software GRO of a receive path (see sv/gro.h). */
#include <arpa/inet.h>
#include <string.h>
#include <xen/io/netif.h>

#include "sv/gro.h"

#define ETH_LEN 14
#define IP_LEN  20
#define TCP_ACK 0x10
#define TCP_PSH 0x08

struct seg {
    size_t tcp_off, hdr_len, payload;
    uint32_t seq;
    uint8_t flags;
};

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A plain TCP/IPv4 data segment we know how to merge, parsed into s. */
static bool parse(const uint8_t *f, size_t len, struct seg *s)
{
    const uint8_t *ip = f + ETH_LEN, *tcp;
    size_t tot;

    if (len < ETH_LEN + IP_LEN + 20 || be16(f + 12) != 0x0800)
        return false;
    if (ip[0] != 0x45 || ip[9] != 6 || (be16(ip + 6) & 0x3fff)) /* options, not TCP, fragment */
        return false;
    tot = be16(ip + 2);
    if (tot < IP_LEN + 20 || ETH_LEN + tot > len)
        return false;
    tcp = ip + IP_LEN;
    s->tcp_off = ETH_LEN + IP_LEN;
    s->hdr_len = s->tcp_off + (size_t)(tcp[12] >> 4) * 4;
    if ((tcp[12] >> 4) < 5 || s->hdr_len > ETH_LEN + tot)
        return false;
    s->payload = ETH_LEN + tot - s->hdr_len;
    s->seq = be32(tcp + 4);
    s->flags = tcp[13];
    return s->payload > 0 && (s->flags & ~TCP_PSH) == TCP_ACK;
}

/* Same flow and headers, but for the IP length/id/checksum, seq and PSH. */
static bool same_headers(const uint8_t *a, const uint8_t *b, size_t hdr_len)
{
    static const struct {
        size_t off, len;
    } same[] = {
        {0, 14}, /* Ethernet */
        {14, 2}, /* version, ihl, tos */
        {22, 2}, /* ttl, protocol */
        {26, 8}, /* addresses */
        {34, 4}, /* ports */
        {42, 4}, /* ack */
        {46, 1}, /* data offset */
        {48, 2}, /* window */
    };

    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        if (memcmp(a + same[i].off, b + same[i].off, same[i].len))
            return false;
    return !memcmp(a + 54, b + 54, hdr_len - 54); /* TCP options */
}

static void start(struct gro *g, const uint8_t *frame, const struct seg *s)
{
    size_t len = s->hdr_len + s->payload;

    memcpy(g->buf, frame, len);
    g->len = len;
    g->hdr_len = s->hdr_len;
    g->mss = (uint16_t)s->payload;
    g->next_seq = s->seq + (uint32_t)s->payload;
    g->segs = 1;
    g->closed = (s->flags & TCP_PSH) != 0;
}

enum gro_verdict gro_add(struct gro *g, const uint8_t *frame, size_t len, bool csum_ok)
{
    struct seg s;

    if (!csum_ok || !parse(frame, len, &s))
        return g->len ? GRO_FLUSH : GRO_PASS;
    if (!g->len) {
        start(g, frame, &s);
        return GRO_TAKEN;
    }
    if (g->closed || s.hdr_len != g->hdr_len || s.seq != g->next_seq || s.payload > g->mss ||
        g->len + s.payload > GRO_MAX || !same_headers(g->buf, frame, g->hdr_len))
        return GRO_FLUSH;
    memcpy(g->buf + g->len, frame + s.hdr_len, s.payload);
    g->len += s.payload;
    g->next_seq += (uint32_t)s.payload;
    g->buf[s.tcp_off + 13] |= s.flags & TCP_PSH;
    g->closed = s.payload < g->mss || (s.flags & TCP_PSH);
    g->segs++;
    return GRO_TAKEN;
}

static void fix_ip_header(uint8_t *ip, size_t tot)
{
    uint32_t sum = 0;

    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[10] = ip[11] = 0;
    for (int i = 0; i < IP_LEN; i += 2)
        sum += be16(ip + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = (uint8_t)(~sum >> 8);
    ip[11] = (uint8_t)~sum;
}

const uint8_t *gro_finish(struct gro *g, size_t *len, struct netif_offload *o)
{
    if (!g->len)
        return NULL;
    *len = g->len;
    *o = (struct netif_offload){.data_validated = true};
    if (g->segs > 1) {
        fix_ip_header(g->buf + ETH_LEN, g->len - ETH_LEN);
        /* The guest's stack takes it as a GRO'd packet: checksums are fine. */
        *o = (struct netif_offload){.csum_blank = true,
                                    .data_validated = true,
                                    .gso_type = XEN_NETIF_GSO_TYPE_TCPV4,
                                    .gso_size = g->mss};
    }
    return g->buf;
}

void gro_reset(struct gro *g)
{
    g->len = 0;
    g->segs = 0;
}
