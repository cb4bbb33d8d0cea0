/* cmocka tests of the shared netif helpers: the Toeplitz hash against
 * Microsoft's RSS verification vectors, the frame parser, the offload
 * translation netif <-> virtio_net_hdr and from the xnic's RX status, and
 * a packet socket's VLAN tag put back into its frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/uio.h>

#include "sv/abi/netif_abi.h"
#include "sv/netif_offload.h"
#include "sv/pktparse.h"
#include "sv/toeplitz.h"
#include "sv/vlan.h"
#include "sv/abi/xnic.h"

/* The key of Microsoft's "Verifying the RSS Hash Calculation". */
static const uint8_t ms_key[40] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Microsoft's vectors: source, destination, then the address-only and the
 * address+port hashes. */
struct vector {
    int family;
    const char *src, *dst;
    uint16_t sport, dport;
    uint32_t ip_hash, tcp_hash;
};

static const struct vector vectors[] = {
    {AF_INET, "66.9.149.187", "161.142.100.80", 2794, 1766, 0x323e8fc2, 0x51ccc178},
    {AF_INET, "199.92.111.2", "65.69.140.83", 14230, 4739, 0xd718262a, 0xc626b0ea},
    {AF_INET, "24.19.198.95", "12.22.207.184", 12898, 38024, 0xd2d0a5de, 0x5c2b394a},
    {AF_INET, "38.27.205.30", "209.142.163.6", 48228, 2217, 0x82989176, 0xafc7327f},
    {AF_INET, "153.39.163.191", "202.188.127.2", 44251, 1303, 0x5d1809c5, 0x10e828a2},
    {AF_INET6, "3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 2794, 1766, 0x2cc18cd5, 0x40207d3d},
    {AF_INET6, "3ffe:501:8::260:97ff:fe40:efab", "ff02::1", 14230, 4739, 0x0f0c461c, 0xdde51bbf},
    {AF_INET6, "3ffe:1900:4545:3:200:f8ff:fe21:67cf", "fe80::200:f8ff:fe21:67cf", 44251, 38024,
     0x4b61e985, 0x02d1feef},
};

#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 (no options) or IPv6 + a 20-byte TCP header. */
static size_t tcp_frame(uint8_t *f, int family, const char *src, const char *dst, uint16_t sport,
                        uint16_t dport)
{
    bool v4 = family == AF_INET;
    size_t alen = v4 ? 4 : 16, l4 = v4 ? 34 : 54;
    uint8_t *addrs = f + (v4 ? 26 : 22);

    memset(f, 0, l4 + 20);
    put16(f + 12, v4 ? 0x0800 : 0x86dd);
    f[14] = v4 ? 0x45 : 0x60;
    if (v4) {
        put16(f + 16, 40);
        f[23] = IPPROTO_TCP;
    } else {
        put16(f + 18, 20);
        f[20] = IPPROTO_TCP;
    }
    inet_pton(family, src, addrs);
    inet_pton(family, dst, addrs + alen);
    put16(f + l4, sport);
    put16(f + l4 + 2, dport);
    f[l4 + 12] = 0x50;
    return l4 + 20;
}

/* netif.h's Buffer[] for a vector: addresses, then ports. */
static size_t vector_input(const struct vector *v, uint8_t *in, bool ports)
{
    size_t alen = v->family == AF_INET ? 4 : 16;

    inet_pton(v->family, v->src, in);
    inet_pton(v->family, v->dst, in + alen);
    if (!ports)
        return 2 * alen;
    put16(in + 2 * alen, v->sport);
    put16(in + 2 * alen + 2, v->dport);
    return 2 * alen + 4;
}

static void test_raw_vectors(void **state)
{
    uint8_t in[36];

    (void)state;
    for (size_t i = 0; i < NVECTORS; i++) {
        size_t n = vector_input(&vectors[i], in, false);

        assert_int_equal(toeplitz_hash(ms_key, sizeof(ms_key), in, n), vectors[i].ip_hash);
        n = vector_input(&vectors[i], in, true);
        assert_int_equal(toeplitz_hash(ms_key, sizeof(ms_key), in, n), vectors[i].tcp_hash);
    }
}

/* The same hashes found in whole frames, per enabled hash type. */
static void test_flow_hash(void **state)
{
    uint8_t f[80];
    uint32_t h;
    uint8_t t;

    (void)state;
    for (size_t i = 0; i < NVECTORS; i++) {
        const struct vector *v = &vectors[i];
        bool v4 = v->family == AF_INET;
        size_t len = tcp_frame(f, v->family, v->src, v->dst, v->sport, v->dport);
        uint8_t ip_type = v4 ? _XEN_NETIF_CTRL_HASH_TYPE_IPV4 : _XEN_NETIF_CTRL_HASH_TYPE_IPV6;
        uint8_t tcp_type =
            v4 ? _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP : _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;

        assert_int_equal(
            toeplitz_flow_hash(ms_key, 40, 1u << ip_type | 1u << tcp_type, f, len, &h, &t), 0);
        assert_int_equal(h, v->tcp_hash);
        assert_int_equal(t, tcp_type);
        assert_int_equal(toeplitz_flow_hash(ms_key, 40, 1u << ip_type, f, len, &h, &t), 0);
        assert_int_equal(h, v->ip_hash);
        assert_int_equal(t, ip_type);
        /* Only the other family's types enabled: no hash. */
        assert_int_equal(
            toeplitz_flow_hash(ms_key, 40, 0xf & ~(1u << ip_type | 1u << tcp_type), f, len, &h, &t),
            -ENOENT);
    }
}

/* A fragment has no ports: the TCP type falls back to the address one. */
static void test_fragment_uses_addresses(void **state)
{
    uint8_t f[64];
    uint32_t h;
    uint8_t t;
    size_t len = tcp_frame(f, AF_INET, vectors[0].src, vectors[0].dst, 1, 2);

    (void)state;
    put16(f + 20, 0x2000); /* more fragments */
    assert_int_equal(
        toeplitz_flow_hash(ms_key, 40,
                           XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP, f,
                           len, &h, &t),
        0);
    assert_int_equal(h, vectors[0].ip_hash);
    assert_int_equal(t, _XEN_NETIF_CTRL_HASH_TYPE_IPV4);
}

static void test_parse_rejects_truncated(void **state)
{
    uint8_t f[80];
    struct pktparse p;
    size_t len = tcp_frame(f, AF_INET, "10.0.0.1", "10.0.0.2", 1, 2);

    (void)state;
    assert_int_equal(pktparse_frame(f, len, &p), 0);
    assert_int_equal(p.l3_off, 14);
    assert_int_equal(p.l4_off, 34);
    assert_int_equal(pktparse_frame(f, 30, &p), -EINVAL);
    f[14] = 0x4f; /* IHL 60 bytes: past the frame */
    assert_int_equal(pktparse_frame(f, len, &p), -EINVAL);
    put16(f + 12, 0x0806); /* ARP */
    assert_int_equal(pktparse_frame(f, len, &p), -EINVAL);
    len = tcp_frame(f, AF_INET6, "::1", "::2", 1, 2);
    f[20] = IPPROTO_HOPOPTS; /* an extension header running past the frame */
    f[54] = IPPROTO_TCP;
    f[55] = 200;
    assert_int_equal(pktparse_frame(f, len, &p), -EINVAL);
}

/* A tag put in is read back; the frame behind it moves 4 bytes on. */
static void test_vlan_tag(void **state)
{
    uint8_t f[64 + 4] = {0}, orig[64];

    (void)state;
    for (unsigned i = 0; i < sizeof(orig); i++)
        orig[i] = (uint8_t)(i * 7 + 1);
    memcpy(f, orig, sizeof(orig));
    assert_int_equal(pktparse_vlan(f, sizeof(orig)), 0);
    pktparse_vlan_insert(f, sizeof(orig), 4094);
    assert_int_equal(pktparse_vlan(f, sizeof(f)), 4094);
    assert_memory_equal(f, orig, 12);
    assert_memory_equal(f + 12, "\x81\x00\x0f\xfe", 4);
    assert_memory_equal(f + 16, orig + 12, sizeof(orig) - 12);
    assert_int_equal(pktparse_vlan(f, 17), 0); /* too short for a tag */
}

static void test_vnet_round_trip(void **state)
{
    uint8_t f[80];
    size_t len = tcp_frame(f, AF_INET6, "::1", "::2", 1, 2);
    struct virtio_net_hdr vh = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
                                .gso_type = VIRTIO_NET_HDR_GSO_TCPV6,
                                .gso_size = htole16(1440)};
    struct netif_offload o;

    (void)state;
    assert_int_equal(netif_offload_from_vnet(&vh, &o), 0);
    assert_true(o.csum_blank && o.data_validated);
    assert_int_equal(o.gso_type, XEN_NETIF_GSO_TYPE_TCPV6);
    assert_int_equal(netif_offload_to_vnet(&o, f, len, &vh), 0);
    assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    assert_int_equal(le16toh(vh.csum_start), 54);
    assert_int_equal(le16toh(vh.csum_offset), 16);
    assert_int_equal(le16toh(vh.hdr_len), 74);
    assert_int_equal(le16toh(vh.gso_size), 1440);
    vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
    assert_int_equal(netif_offload_from_vnet(&vh, &o), -EOPNOTSUPP);
    vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
    assert_int_equal(netif_offload_from_vnet(&vh, &o), -EOPNOTSUPP);
    /* csum_blank on a frame without a transport header cannot be expressed. */
    o = (struct netif_offload){.csum_blank = true};
    put16(f + 12, 0x0806);
    assert_int_equal(netif_offload_to_vnet(&o, f, len, &vh), -EINVAL);
}

/* Each receiver feature gates its offload; sizes are checked first. */
static void test_offload_allowed(void **state)
{
    uint8_t f4[80], f6[80];
    const struct netif_features none = {0}, v4only = {.csum_ipv4 = true},
                                all = {.sg = true,
                                       .gso_tcpv4 = true,
                                       .gso_tcpv6 = true,
                                       .csum_ipv4 = true,
                                       .csum_ipv6 = true};
    const struct netif_offload csum = {.csum_blank = true},
                               gso4 = {.csum_blank = true,
                                       .gso_type = XEN_NETIF_GSO_TYPE_TCPV4,
                                       .gso_size = 1400},
                               plain = {0};
    size_t n4 = tcp_frame(f4, AF_INET, "10.0.0.1", "10.0.0.2", 1, 2);
    size_t n6 = tcp_frame(f6, AF_INET6, "::1", "::2", 1, 2);

    (void)state;
    assert_int_equal(netif_offload_allowed(&none, &plain, f4, n4), 0);
    assert_int_equal(netif_offload_allowed(&none, &plain, f4, 13), -EMSGSIZE);
    assert_int_equal(netif_offload_allowed(&none, &plain, f4, 4097), -EMSGSIZE);
    assert_int_equal(netif_offload_allowed(&all, &plain, f4, 65535), 0);
    assert_int_equal(netif_offload_allowed(&all, &plain, f4, 65536), -EMSGSIZE);
    assert_int_equal(netif_offload_allowed(&none, &csum, f4, n4), -EOPNOTSUPP);
    assert_int_equal(netif_offload_allowed(&v4only, &csum, f4, n4), 0);
    assert_int_equal(netif_offload_allowed(&v4only, &csum, f6, n6), -EOPNOTSUPP);
    assert_int_equal(netif_offload_allowed(&all, &csum, f6, n6), 0);
    assert_int_equal(netif_offload_allowed(&v4only, &gso4, f4, n4), -EOPNOTSUPP);
    assert_int_equal(netif_offload_allowed(&all, &gso4, f4, n4), 0);
}

/* What the NIC's RX status says becomes netif's offloads: a verified
 * checksum; an RSC frame's partial checksum and, for a TSO packet, GSO
 * with the sender's MSS; a write-back the device could not have meant
 * (an unknown type, a zero MSS) is no GSO. */
static void test_offload_from_xnic_rx(void **state)
{
    struct xnic_rx_wb wb = {.gso_size = 1448, .gso_type = XNIC_GSO_TCPV4};
    struct netif_offload o;

    (void)state;
    o = netif_offload_from_xnic_rx(XNIC_RXS_EOP, &wb);
    assert_false(o.data_validated || o.csum_blank || o.gso_type);
    o = netif_offload_from_xnic_rx(XNIC_RXS_EOP | XNIC_RXS_L4_OK, &wb);
    assert_true(o.data_validated);
    assert_false(o.csum_blank || o.gso_type); /* GSO only with RSC */
    o = netif_offload_from_xnic_rx(XNIC_RXS_EOP | XNIC_RXS_RSC, &wb);
    assert_true(o.data_validated && o.csum_blank);
    assert_int_equal(o.gso_type, XEN_NETIF_GSO_TYPE_TCPV4);
    assert_int_equal(o.gso_size, 1448);
    wb.gso_type = XNIC_GSO_TCPV6;
    assert_int_equal(netif_offload_from_xnic_rx(XNIC_RXS_RSC, &wb).gso_type,
                     XEN_NETIF_GSO_TYPE_TCPV6);
    wb.gso_type = 7;
    assert_int_equal(netif_offload_from_xnic_rx(XNIC_RXS_RSC, &wb).gso_type,
                     XEN_NETIF_GSO_TYPE_NONE);
    wb = (struct xnic_rx_wb){.gso_type = XNIC_GSO_TCPV4};
    o = netif_offload_from_xnic_rx(XNIC_RXS_RSC, &wb);
    assert_true(o.csum_blank);
    assert_int_equal(o.gso_type, XEN_NETIF_GSO_TYPE_NONE);
}

/* A tag put back over pieces of every size (a run crossing both a source
 * and a destination piece's edge), the virtio offsets following; no room
 * and a runt are refused untouched. */
static void test_vlan_put_back(void **state)
{
    static const unsigned sizes[] = {3, 7, 13, 64};

    (void)state;
    for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        uint8_t frame[100], want[104], bufs[40][64] = {{0}};
        struct iovec iov[40];
        struct virtio_net_hdr vh = {
            .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .hdr_len = 54};
        size_t len = sizeof(frame), off = 0;
        unsigned n = (104 + sizes[k] - 1) / sizes[k];

        for (size_t i = 0; i < sizeof(frame); i++)
            frame[i] = (uint8_t)(i + 1);
        memcpy(want, frame, 12);
        memcpy(want + 12, "\x81\x00\x20\x2b", 4); /* priority 1, VID 43 */
        memcpy(want + 16, frame + 12, sizeof(frame) - 12);
        for (unsigned i = 0; i < n; i++) {
            iov[i] = (struct iovec){bufs[i], sizes[k]};
            memcpy(bufs[i], frame + i * sizes[k],
                   i * sizes[k] >= len             ? 0
                   : len - i * sizes[k] < sizes[k] ? len - i * sizes[k]
                                                   : sizes[k]);
        }
        assert_int_equal(sv_vlan_put_back(iov, n, &len, &vh, 0x8100, 0x202b), 0);
        assert_int_equal(len, sizeof(want));
        for (unsigned i = 0; off < len; off += sizes[k], i++)
            assert_memory_equal(bufs[i], want + off, len - off < sizes[k] ? len - off : sizes[k]);
        assert_int_equal(vh.csum_start, 38);
        assert_int_equal(vh.hdr_len, 58);
        /* Full now (the room is the pieces' lengths), and a runt. */
        len = (size_t)n * sizes[k] - 3;
        assert_int_equal(sv_vlan_put_back(iov, n, &len, &vh, 0x8100, 43), -ENOSPC);
        len = 11;
        assert_int_equal(sv_vlan_put_back(iov, n, &len, &vh, 0x8100, 43), -EINVAL);
        assert_int_equal(vh.hdr_len, 58);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_vectors),
        cmocka_unit_test(test_flow_hash),
        cmocka_unit_test(test_fragment_uses_addresses),
        cmocka_unit_test(test_parse_rejects_truncated),
        cmocka_unit_test(test_vlan_tag),
        cmocka_unit_test(test_vnet_round_trip),
        cmocka_unit_test(test_offload_allowed),
        cmocka_unit_test(test_offload_from_xnic_rx),
        cmocka_unit_test(test_vlan_put_back),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
