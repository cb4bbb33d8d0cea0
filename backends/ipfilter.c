/* IP anti-spoofing of a vif's outgoing frames (see ipfilter.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "sv/ipfilter.h"
#include "sv/pktparse.h"

#define ETH_HLEN     14
#define ETH_P_IP     0x0800
#define ETH_P_ARP    0x0806
#define ETH_P_IPV6   0x86dd
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ   0x9100 /* the old, pre-802.1ad outer tag */
#define ARP_LEN      28     /* Ethernet/IPv4 ARP */
#define ICMPV6_NA    136
#define DHCP_CLIENT  68
#define DHCP_SERVER  67

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

/* len: the bytes at frame, of a frame of frame_len. */
static bool ipv6_ok(const struct ipfilter *f, const uint8_t *frame, size_t len, size_t frame_len,
                    const struct pktparse *p)
{
    static const uint8_t any[16];
    const uint8_t *ip = frame + p->l3_off;
    const uint8_t *icmp = frame + p->l4_off;

    if (!has_v6(f, ip + 8) && memcmp(ip + 8, any, 16))
        return false;
    if (p->l4proto != IPPROTO_ICMPV6 || frame_len < p->l4_off + 1u)
        return true;
    if (len < p->l4_off + 1u)
        return false; /* its ICMPv6 type is past the head: the caller looks at all of it */
    if (icmp[0] != ICMPV6_NA)
        return true;
    /* A neighbour advertisement names the address it answers for: the
     * IPv6 counterpart of an ARP reply's sender. */
    return len >= p->l4_off + 24u && has_v6(f, icmp + 8);
}

static bool arp_ok(const struct ipfilter *f, const uint8_t *arp, size_t len)
{
    static const uint8_t any[4];

    if (len < ARP_LEN || be16(arp) != 1 || be16(arp + 2) != ETH_P_IP || arp[4] != 6 || arp[5] != 4)
        return false;
    return !memcmp(arp + 8, f->mac, 6) && (has_v4(f, arp + 14) || !memcmp(arp + 14, any, 4));
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
        return false; /* a second tag would hide the IP header from us */
    case ETH_P_ARP:
        return arp_ok(f, frame + l3, len - l3);
    case ETH_P_IP:
    case ETH_P_IPV6:
        if (pktparse_frame(frame, len, &p) < 0 || p.ipver != (type == ETH_P_IP ? 4 : 6))
            return false;
        return p.ipver == 4 ? ipv4_ok(f, frame, len, &p) : ipv6_ok(f, frame, len, frame_len, &p);
    default:
        return true;
    }
}

bool ipfilter_allows(const struct ipfilter *f, const uint8_t *frame, size_t len)
{
    return ipfilter_allows_head(f, frame, len, len);
}
