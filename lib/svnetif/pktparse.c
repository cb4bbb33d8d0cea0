/*
 * Ethernet/IP header walk for the netif cores (checksum offsets), the
 * Toeplitz flow hash (addresses and ports) and the xnic offloads.  Every read is bounds-checked
 * against the frame length: the frames come from untrusted domains.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "sv/pktparse.h"

#define ETH_HLEN_  14u
#define VLAN_HLEN_ 4u

static uint16_t be16_at(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static int parse_ipv4(const uint8_t *f, size_t len, struct pktparse *out)
{
    const uint8_t *ip = f + out->l3_off;
    size_t ihl;

    if (len < out->l3_off + 20u || ip[0] >> 4 != 4)
        return -EINVAL;
    ihl = (size_t)(ip[0] & 0xf) * 4;
    if (ihl < 20 || len < out->l3_off + ihl)
        return -EINVAL;
    out->ipver = 4;
    out->l4proto = ip[9];
    out->fragment = (be16_at(ip + 6) & 0x3fff) != 0; /* MF or an offset */
    out->l4_off = (uint16_t)(out->l3_off + ihl);
    return 0;
}

static int is_ipv6_ext(uint8_t nh)
{
    return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS;
}

static int parse_ipv6(const uint8_t *f, size_t len, struct pktparse *out)
{
    size_t off = out->l3_off + 40u;
    uint8_t nh;

    if (len < off || f[out->l3_off] >> 4 != 6)
        return -EINVAL;
    nh = f[out->l3_off + 6];
    while (is_ipv6_ext(nh)) {
        if (len < off + 8)
            return -EINVAL;
        nh = f[off];
        off += ((size_t)f[off + 1] + 1) * 8;
    }
    if (off > len || off > UINT16_MAX)
        return -EINVAL;
    out->ipver = 6;
    out->l4proto = nh;
    out->fragment = nh == IPPROTO_FRAGMENT;
    out->l4_off = (uint16_t)off;
    return 0;
}

/* Where a TCP or UDP header the frame holds whole ends (out->l4_end). */
static void parse_l4_end(const uint8_t *f, size_t len, struct pktparse *out)
{
    size_t end = 0;

    if (out->fragment)
        return;
    if (out->l4proto == IPPROTO_TCP && len >= out->l4_off + 20u) {
        size_t doff = (size_t)(f[out->l4_off + 12] >> 4) * 4;

        end = doff >= 20 ? out->l4_off + doff : 0;
    } else if (out->l4proto == IPPROTO_UDP) {
        end = out->l4_off + 8u;
    }
    if (end && end <= len && end <= UINT16_MAX)
        out->l4_end = (uint16_t)end;
}

int pktparse_frame(const uint8_t *frame, size_t len, struct pktparse *out)
{
    size_t off = ETH_HLEN_;
    uint16_t type;
    int err;

    *out = (struct pktparse){0};
    if (len < ETH_HLEN_)
        return -EINVAL;
    type = be16_at(frame + 12);
    if (type == 0x8100) {
        if (len < ETH_HLEN_ + VLAN_HLEN_)
            return -EINVAL;
        type = be16_at(frame + 16);
        off += VLAN_HLEN_;
    }
    out->l3_off = (uint16_t)off;
    if (type == 0x0800)
        err = parse_ipv4(frame, len, out);
    else if (type == 0x86dd)
        err = parse_ipv6(frame, len, out);
    else
        return -EINVAL;
    if (!err)
        parse_l4_end(frame, len, out);
    return err;
}

uint16_t pktparse_vlan(const uint8_t *frame, size_t len)
{
    if (len < ETH_HLEN_ + VLAN_HLEN_ || be16_at(frame + 12) != 0x8100)
        return 0;
    return be16_at(frame + 14) & 0xfff;
}

void pktparse_vlan_insert(uint8_t *frame, size_t len, uint16_t vid)
{
    memmove(frame + 12 + VLAN_HLEN_, frame + 12, len - 12);
    frame[12] = 0x81;
    frame[13] = 0x00;
    frame[14] = (uint8_t)(vid >> 8);
    frame[15] = (uint8_t)vid;
}

int pktparse_csum_offset(const struct pktparse *p)
{
    if (p->fragment)
        return -EPROTONOSUPPORT;
    if (p->l4proto == IPPROTO_TCP)
        return 16;
    if (p->l4proto == IPPROTO_UDP)
        return 6;
    return -EPROTONOSUPPORT;
}
