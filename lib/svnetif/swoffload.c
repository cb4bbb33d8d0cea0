/*
 * Checksums and TCP segmentation in software (sv/swoffload.h), on the
 * headers pktparse_frame() finds.  Every offset is checked against the frame
 * length before it is read.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "sv/pktparse.h"
#include "sv/abi/xnic.h"
#include "sv/swoffload.h"

#define IPV6_HLEN    40
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_CWR 0x80

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v & 0xff;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, v >> 16);
    wr16(p + 2, v & 0xffff);
}

/* What the offloads handle: a whole TCP or UDP header, not in a fragment,
 * and for IPv6 no extension headers (docs/xnic.md, offloads). */
static bool l4_offloadable(const struct pktparse *p)
{
    return p->l4_end && (p->ipver == 4 || p->l4_off == p->l3_off + IPV6_HLEN);
}

static int parse_l4(const uint8_t *frame, size_t len, struct pktparse *p)
{
    return pktparse_frame(frame, len, p) == 0 && l4_offloadable(p) ? 0 : -EINVAL;
}

uint32_t swoffload_csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *b = data;
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        sum += rd16(b + i);
    if (len & 1)
        sum += (uint32_t)b[len - 1] << 8;
    return sum;
}

uint16_t swoffload_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint32_t pseudo_sum(const uint8_t *f, const struct pktparse *p, size_t l4_len)
{
    uint32_t sum = p->l4proto + (uint32_t)l4_len;

    if (p->ipver == 4)
        return swoffload_csum_add(sum, f + p->l3_off + 12, 8);
    return swoffload_csum_add(sum, f + p->l3_off + 8, 32);
}

/* Where the TCP or UDP checksum field of an offloadable frame is. */
static unsigned csum_field(const struct pktparse *p)
{
    return p->l4_off + (unsigned)pktparse_csum_offset(p);
}

/* L4 length from the IP header, so that Ethernet padding is not summed. */
static size_t l4_len_of(const uint8_t *f, size_t len, const struct pktparse *p)
{
    size_t end = p->ipver == 4 ? p->l3_off + (size_t)rd16(f + p->l3_off + 2)
                               : p->l3_off + IPV6_HLEN + (size_t)rd16(f + p->l3_off + 4);

    if (end > len || end < p->l4_end)
        return 0;
    return end - p->l4_off;
}

static void fill_ip_csum(uint8_t *f, const struct pktparse *p)
{
    unsigned ihl = (f[p->l3_off] & 0xf) * 4u;

    wr16(f + p->l3_off + 10, 0);
    wr16(f + p->l3_off + 10, swoffload_csum_fold(swoffload_csum_add(0, f + p->l3_off, ihl)));
}

static void fill_l4_csum(uint8_t *f, const struct pktparse *p, size_t l4_len)
{
    uint16_t c;

    wr16(f + csum_field(p), 0);
    c = swoffload_csum_fold(swoffload_csum_add(pseudo_sum(f, p, l4_len), f + p->l4_off, l4_len));
    if (p->l4proto == IPPROTO_UDP && c == 0)
        c = 0xffff;
    wr16(f + csum_field(p), c);
}

/* The pseudo-header sum, folded but not inverted, where the full checksum
 * goes: what Linux leaves there for CHECKSUM_PARTIAL. */
static void fill_l4_partial(uint8_t *f, const struct pktparse *p, size_t l4_len)
{
    wr16(f + csum_field(p), (uint16_t)~swoffload_csum_fold(pseudo_sum(f, p, l4_len)));
}

static uint16_t partial_flags(const struct pktparse *p)
{
    return XNIC_RXS_RSC | (p->ipver == 4 ? XNIC_RXS_IP_OK : 0);
}

static int csum_write(uint8_t *frame, size_t len, bool partial, uint16_t *rx_flags)
{
    struct pktparse p;
    size_t l4_len;

    if (parse_l4(frame, len, &p) < 0)
        return -EINVAL;
    l4_len = l4_len_of(frame, len, &p);
    if (!l4_len)
        return -EINVAL;
    if (p.ipver == 4)
        fill_ip_csum(frame, &p);
    if (partial) {
        fill_l4_partial(frame, &p, l4_len);
        *rx_flags = partial_flags(&p);
    } else {
        fill_l4_csum(frame, &p, l4_len);
    }
    return 0;
}

int swoffload_csum_fill(uint8_t *frame, size_t len)
{
    return csum_write(frame, len, false, NULL);
}

int swoffload_csum_partial(uint8_t *frame, size_t len, uint16_t *rx_flags)
{
    return csum_write(frame, len, true, rx_flags);
}

/* Rewrites the headers in seg for segment i carrying payload bytes. */
static void fix_segment(uint8_t *seg, const struct pktparse *p, unsigned i, size_t payload,
                        bool last, uint32_t seq, uint16_t id0)
{
    uint8_t *tcp = seg + p->l4_off;
    size_t l4_len = p->l4_end - p->l4_off + payload;

    if (p->ipver == 4) {
        wr16(seg + p->l3_off + 2, (uint16_t)(p->l4_end - p->l3_off + payload));
        wr16(seg + p->l3_off + 4, (uint16_t)(id0 + i));
        fill_ip_csum(seg, p);
    } else {
        wr16(seg + p->l3_off + 4, (uint16_t)l4_len);
    }
    wr32(tcp + 4, seq);
    if (!last)
        tcp[13] &= (uint8_t) ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
    if (i)
        tcp[13] &= (uint8_t)~TCP_FLAG_CWR;
    fill_l4_csum(seg, p, l4_len);
}

/* What makes a packet segmentable: TCP, hdr_len its headers, segments of
 * mss payload bytes that fit seg_max.  The MSS floor bounds the segments a
 * packet costs (every receiver of a whole one may cut it again). */
static int tso_check(const uint8_t *frame, size_t len, uint16_t mss, uint8_t hdr_len,
                     size_t seg_max, struct pktparse *p)
{
    if (parse_l4(frame, len, p) < 0 || p->l4proto != IPPROTO_TCP || p->l4_end != hdr_len ||
        mss < SWOFFLOAD_MIN_MSS || seg_max < (size_t)hdr_len + mss)
        return -EINVAL;
    return 0;
}

/* Segments of a checked packet: one at least (a packet of headers only). */
static unsigned tso_segments(size_t len, uint16_t mss, uint8_t hdr_len)
{
    size_t payload = len - hdr_len;

    return payload ? (unsigned)((payload + mss - 1) / mss) : 1;
}

/* Segment i of a checked packet into seg_buf; its length. */
static size_t tso_write(const uint8_t *frame, size_t len, uint16_t mss, uint8_t hdr_len,
                        const struct pktparse *p, unsigned i, uint8_t *seg_buf)
{
    size_t off = hdr_len + (size_t)i * mss;
    size_t payload = len - off < mss ? len - off : mss;
    uint16_t id0 = p->ipver == 4 ? rd16(frame + p->l3_off + 4) : 0;

    memcpy(seg_buf, frame, hdr_len);
    memcpy(seg_buf + hdr_len, frame + off, payload);
    fix_segment(seg_buf, p, i, payload, off + payload >= len,
                rd32(frame + p->l4_off + 4) + (uint32_t)(off - hdr_len), id0);
    return hdr_len + payload;
}

int swoffload_tso(const uint8_t *frame, size_t len, uint16_t mss, uint8_t hdr_len, uint8_t *seg_buf,
                  size_t seg_buf_len, swoffload_seg_fn *fn, void *arg)
{
    struct pktparse p;
    unsigned n;

    if (tso_check(frame, len, mss, hdr_len, seg_buf_len, &p) < 0)
        return -EINVAL;
    n = tso_segments(len, mss, hdr_len);
    for (unsigned i = 0; i < n; i++)
        fn(arg, seg_buf, tso_write(frame, len, mss, hdr_len, &p, i, seg_buf));
    return (int)n;
}

int swoffload_tso_count(const uint8_t *frame, size_t len, uint16_t mss, uint8_t hdr_len,
                        size_t seg_max)
{
    struct pktparse p;

    if (tso_check(frame, len, mss, hdr_len, seg_max, &p) < 0)
        return -EINVAL;
    return (int)tso_segments(len, mss, hdr_len);
}

int swoffload_tso_seg(const uint8_t *frame, size_t len, uint16_t mss, uint8_t hdr_len, unsigned i,
                      uint8_t *seg_buf, size_t seg_buf_len)
{
    struct pktparse p;

    if (tso_check(frame, len, mss, hdr_len, seg_buf_len, &p) < 0 ||
        i >= tso_segments(len, mss, hdr_len))
        return -EINVAL;
    return (int)tso_write(frame, len, mss, hdr_len, &p, i, seg_buf);
}

int swoffload_tso_whole(uint8_t *frame, size_t len, uint16_t mss, uint8_t hdr_len, size_t seg_max,
                        uint16_t *rx_flags, struct xnic_rx_wb *wb)
{
    struct pktparse p;
    bool gso;

    if (tso_check(frame, len, mss, hdr_len, seg_max, &p) < 0)
        return -EINVAL;
    gso = len - hdr_len > mss;
    /* TSO ignores the sender's lengths; the whole frame gets its own. */
    if (p.ipver == 4)
        wr16(frame + p.l3_off + 2, (uint16_t)(len - p.l3_off));
    else
        wr16(frame + p.l3_off + 4, (uint16_t)(len - p.l3_off - IPV6_HLEN));
    if (p.ipver == 4)
        fill_ip_csum(frame, &p);
    fill_l4_partial(frame, &p, len - p.l4_off);
    *rx_flags = partial_flags(&p);
    wb->gso_size = gso ? mss : 0;
    wb->gso_type = !gso ? XNIC_GSO_NONE : p.ipver == 4 ? XNIC_GSO_TCPV4 : XNIC_GSO_TCPV6;
    return 0;
}

uint16_t swoffload_rx_csum_flags(const uint8_t *frame, size_t len)
{
    struct pktparse p;
    uint16_t flags = 0;
    size_t l4_len;

    if (pktparse_frame(frame, len, &p) < 0)
        return 0;
    if (p.ipver == 4) {
        unsigned ihl = (frame[p.l3_off] & 0xf) * 4u;

        flags |= swoffload_csum_fold(swoffload_csum_add(0, frame + p.l3_off, ihl))
                     ? XNIC_RXS_CSUM_ERR
                     : XNIC_RXS_IP_OK;
    }
    if (!l4_offloadable(&p) || !(l4_len = l4_len_of(frame, len, &p)))
        return flags;
    if (p.l4proto == IPPROTO_UDP && !rd16(frame + csum_field(&p)))
        return flags; /* UDP over IPv4 without a checksum */
    if (swoffload_csum_fold(
            swoffload_csum_add(pseudo_sum(frame, &p, l4_len), frame + p.l4_off, l4_len)))
        flags |= XNIC_RXS_CSUM_ERR;
    else
        flags |= XNIC_RXS_L4_OK;
    return flags;
}
