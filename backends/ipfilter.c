/* IP anti-spoofing of a vif's outgoing frames (see ipfilter.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "sv/ipfilter.h"
#include "sv/pktparse.h"

#define ETH_HLEN        14
#define ETH_P_IP        0x0800
#define ETH_P_ARP       0x0806
#define ETH_P_IPV6      0x86dd
#define ETH_P_8021Q     0x8100
#define ETH_P_8021AD    0x88a8
#define ETH_P_QINQ      0x9100 /* the old, pre-802.1ad outer tag */
#define ETH_P_802_3_MIN 0x0600 /* below: an 802.3 length, an LLC header follows */
#define ARP_LEN         28     /* Ethernet/IPv4 ARP */
#define ICMPV6_RS       133    /* RS, RA, NS, NA, redirect: neighbour discovery */
#define ICMPV6_NA       136
#define ICMPV6_REDIR    137
#define IPV6_HLEN       40
#define IPV6_EXT_MAX    8 /* extension headers before the upper layer: more is refused */
#define DHCP_CLIENT     68
#define DHCP_SERVER     67

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* fe80::/64 with the modified EUI-64 of mac: the link-local address Linux
 * gives an interface by default (addr_gen_mode eui64). */
static void eui64_link_local(const uint8_t mac[6], uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 0xfe;
    out[1] = 0x80;
    out[8] = mac[0] ^ 0x02;
    out[9] = mac[1];
    out[10] = mac[2];
    out[11] = 0xff;
    out[12] = 0xfe;
    out[13] = mac[3];
    out[14] = mac[4];
    out[15] = mac[5];
}

static int add_address(struct ipfilter *f, const char *text)
{
    char addr[INET6_ADDRSTRLEN];
    size_t len = strcspn(text, "/");

    if (len >= sizeof(addr))
        return -EINVAL;
    memcpy(addr, text, len);
    addr[len] = '\0';
    if (f->n4 + f->n6 >= IPFILTER_MAX)
        return -EINVAL;
    if (inet_pton(AF_INET, addr, f->v4[f->n4]) == 1)
        f->n4++;
    else if (inet_pton(AF_INET6, addr, f->v6[f->n6]) == 1)
        f->n6++;
    else
        return -EINVAL;
    return 0;
}

int ipfilter_init(struct ipfilter *f, const char *ips, const uint8_t mac[6])
{
    char copy[IPFILTER_MAX * (INET6_ADDRSTRLEN + 5)];
    char *save = NULL;

    memset(f, 0, sizeof(*f));
    memcpy(f->mac, mac, 6);
    if (!ips)
        return 0;
    if (strlen(ips) >= sizeof(copy))
        return -EINVAL;
    snprintf(copy, sizeof(copy), "%s", ips);
    for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
        if (add_address(f, t) < 0) {
            memset(f, 0, sizeof(*f));
            return -EINVAL;
        }
    f->active = f->n4 + f->n6 > 0;
    eui64_link_local(mac, f->v6[f->n6]);
    return 0;
}

static bool has_v4(const struct ipfilter *f, const uint8_t *a)
{
    for (unsigned i = 0; i < f->n4; i++)
        if (!memcmp(f->v4[i], a, 4))
            return true;
    return false;
}

/* One of its IPv6 addresses or its link-local one. */
static bool has_v6(const struct ipfilter *f, const uint8_t *a)
{
    for (unsigned i = 0; i <= f->n6; i++)
        if (!memcmp(f->v6[i], a, 16))
            return true;
    return false;
}

static bool ipv4_ok(const struct ipfilter *f, const uint8_t *frame, size_t len,
                    const struct pktparse *p)
{
    static const uint8_t any[4];
    const uint8_t *ip = frame + p->l3_off;
    const uint8_t *udp = frame + p->l4_off;

    if (has_v4(f, ip + 12))
        return true;
    /* A DHCP client has no address yet (libvirt's no-ip-spoofing lets it). */
    return !memcmp(ip + 12, any, 4) && p->l4proto == IPPROTO_UDP && !p->fragment &&
           len >= p->l4_off + 8u && be16(udp) == DHCP_CLIENT && be16(udp + 2) == DHCP_SERVER;
}

/* Where an IPv6 packet's extension-header chain ends. */
struct ipv6_chain {
    size_t off;    /* of the upper-layer header, from the IPv6 header */
    uint8_t proto; /* its type (IPPROTO_NONE: none) */
    bool fragment; /* a fragment header is in the chain */
    bool first;    /* ... with offset 0: this fragment must hold the upper-layer header */
};

/* Whether nh is an extension header whose length we know (RFC 8200's,
 * and the authentication header's): anything else is the upper layer. */
static bool is_ext(uint8_t nh)
{
    return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
           nh == IPPROTO_AH || nh == IPPROTO_FRAGMENT;
}

/* The length of extension header h of type nh (its first 8 bytes are there). */
static size_t ext_len(uint8_t nh, const uint8_t *h)
{
    if (nh == IPPROTO_FRAGMENT)
        return 8;
    if (nh == IPPROTO_AH)
        return ((size_t)h[1] + 2) * 4;
    return ((size_t)h[1] + 1) * 8;
}

/*
 * Follows the chain of ip (len bytes of it) to its upper-layer header: the
 * receiver's stack does, so the filter must see what it will see, not what
 * the first next-header field says (a neighbour advertisement behind
 * hop-by-hop options or a fragment header is one all the same).  0 and *c;
 * -EINVAL for a chain no stack we serve sends (hop-by-hop options not
 * first, two fragment headers, more than IPV6_EXT_MAX headers: RFC 8200
 * 4.1); -EAGAIN when it runs past len (truncated, or past a copied head).
 * A fragment that is not the first ends the chain: what follows its header
 * is data, the upper-layer header came in the first.
 */
static int ipv6_chain(const uint8_t *ip, size_t len, struct ipv6_chain *c)
{
    size_t off = IPV6_HLEN;
    uint8_t nh = ip[6];

    *c = (struct ipv6_chain){0};
    for (unsigned n = 0; is_ext(nh); n++) {
        const uint8_t *h = ip + off;

        if (n == IPV6_EXT_MAX || (nh == IPPROTO_HOPOPTS && n) ||
            (nh == IPPROTO_FRAGMENT && c->fragment))
            return -EINVAL;
        if (off + 8 > len)
            return -EAGAIN;
        if (nh == IPPROTO_FRAGMENT) {
            c->fragment = true;
            c->first = !(be16(h + 2) & 0xfff8);
            if (!c->first) {
                c->off = off + 8;
                c->proto = h[0];
                return 0;
            }
        }
        off += ext_len(nh, h);
        nh = h[0];
    }
    if (off > len)
        return -EAGAIN;
    c->off = off;
    c->proto = nh;
    return 0;
}

/* Neighbour discovery (RFC 4861): never fragmented (RFC 6980). */
static bool is_nd(uint8_t type)
{
    return type >= ICMPV6_RS && type <= ICMPV6_REDIR;
}

/* How much of an upper-layer header of proto a first fragment must hold
 * (RFC 7112; what Linux's ipv6_frag_thdr_truncated() asks). */
static size_t ulp_min(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_TCP:
        return 20;
    case IPPROTO_UDP:
    case IPPROTO_ICMPV6:
        return 8;
    default:
        return 1;
    }
}

/* ip: len bytes of an IPv6 packet of packet_len (to the frame's end). */
static bool ipv6_ok(const struct ipfilter *f, const uint8_t *ip, size_t len, size_t packet_len)
{
    static const uint8_t any[16];
    struct ipv6_chain c;
    const uint8_t *icmp;

    if (len < IPV6_HLEN || ip[0] >> 4 != 6 || (!has_v6(f, ip + 8) && memcmp(ip + 8, any, 16)))
        return false;
    if (ipv6_chain(ip, len, &c) < 0)
        return false;
    icmp = ip + c.off;
    if (c.fragment) {
        if (!c.first)
            return true; /* no upper-layer header: the first fragment had it, and was judged */
        /* The first must hold it: a stack could not tell what it carries. */
        if (packet_len < c.off + ulp_min(c.proto) || len < c.off + ulp_min(c.proto))
            return false;
        return c.proto != IPPROTO_ICMPV6 || !is_nd(icmp[0]);
    }
    if (c.proto != IPPROTO_ICMPV6 || packet_len < c.off + 1)
        return true;
    if (len < c.off + 1)
        return false; /* its ICMPv6 type is past the head: the caller looks at all of it */
    if (icmp[0] != ICMPV6_NA)
        return true;
    /* A neighbour advertisement names the address it answers for: the
     * IPv6 counterpart of an ARP reply's sender. */
    return len >= c.off + 24 && has_v6(f, icmp + 8);
}

static bool arp_ok(const struct ipfilter *f, const uint8_t *arp, size_t len)
{
    static const uint8_t any[4];

    if (len < ARP_LEN || be16(arp) != 1 || be16(arp + 2) != ETH_P_IP || arp[4] != 6 || arp[5] != 4)
        return false;
    return !memcmp(arp + 8, f->mac, 6) && (has_v4(f, arp + 14) || !memcmp(arp + 14, any, 4));
}

/* An 802.2 LLC/SNAP header naming IP, ARP, IPv6 or a tag (RFC 1042),
 * refused rather than followed: no stack we serve sends one.  One cut
 * short is refused too. */
static bool snap_ip(const uint8_t *llc, size_t len)
{
    static const uint8_t snap[3] = {0xaa, 0xaa, 0x03};
    uint16_t type;

    if (len < 8)
        return true;
    type = be16(llc + 6);
    return !memcmp(llc, snap, 3) &&
           (type == ETH_P_IP || type == ETH_P_IPV6 || type == ETH_P_ARP || type == ETH_P_8021Q ||
            type == ETH_P_8021AD || type == ETH_P_QINQ);
}

/* Every length check below fails closed on a short head, but for the one
 * that lets a frame without an ICMPv6 type pass: that one is asked of
 * frame_len (ipv6_ok). */
bool ipfilter_allows_head(const struct ipfilter *f, const uint8_t *frame, size_t len,
                          size_t frame_len)
{
    struct pktparse p;
    size_t l3 = ETH_HLEN;
    uint16_t type;

    if (!f->active)
        return true;
    if (len < ETH_HLEN)
        return false;
    type = be16(frame + 12);
    if (type == ETH_P_8021AD || type == ETH_P_QINQ)
        return false; /* a service tag first: a stack with a QinQ link looks past it */
    if (type == ETH_P_8021Q) {
        if (len < ETH_HLEN + 4)
            return false;
        type = be16(frame + 16);
        l3 += 4;
    }
    switch (type) {
    case ETH_P_8021Q:
    case ETH_P_8021AD:
    case ETH_P_QINQ:
        return false; /* a tag we do not look past would hide the IP header from us */
    case ETH_P_ARP:
        return arp_ok(f, frame + l3, len - l3);
    case ETH_P_IP:
        if (pktparse_frame(frame, len, &p) < 0 || p.ipver != 4)
            return false;
        return ipv4_ok(f, frame, len, &p);
    case ETH_P_IPV6:
        return ipv6_ok(f, frame + l3, len - l3, frame_len - l3);
    default:
        return type >= ETH_P_802_3_MIN || !snap_ip(frame + l3, len - l3);
    }
}

bool ipfilter_allows(const struct ipfilter *f, const uint8_t *frame, size_t len)
{
    return ipfilter_allows_head(f, frame, len, len);
}
