/* cmocka tests of the headers the xnic offloads see (libsvnetif's
 * pktparse_frame), TX checksum fill, TSO and RX checksum verification,
 * checked against an independent one's-complement sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "sv/pktparse.h"
#include "sv/abi/xnic.h"
#include "sv/swoffload.h"

/* Reference: RFC 1071 sum over 16-bit big-endian words. */
static uint16_t ref_sum(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i < n; i++)
        sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* Ethernet (+ optional VLAN) + IPv4 + TCP with payload of plen bytes. */
static size_t tcp4_frame(uint8_t *f, size_t plen, bool vlan)
{
    size_t off = 14;
    uint8_t *ip, *tcp;
    size_t iplen = 20 + 20 + plen;

    memset(f, 0, 14 + 4 + iplen);
    memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
    if (vlan) {
        memcpy(f + 12, "\x81\x00\x00\x07", 4);
        off += 4;
    }
    f[off - 2] = 0x08;
    f[off - 1] = 0x00;
    ip = f + off;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(iplen >> 8);
    ip[3] = (uint8_t)iplen;
    ip[4] = 0x12;
    ip[5] = 0x34;
    ip[8] = 64;
    ip[9] = IPPROTO_TCP;
    memcpy(ip + 12, "\x0a\0\0\x01\x0a\0\0\x02", 8);
    tcp = ip + 20;
    tcp[0] = 0x30; /* ports, seq 0x01000000 */
    tcp[3] = 0x50;
    tcp[4] = 1;
    tcp[12] = 0x50;
    tcp[13] = 0x19; /* ACK | PSH | FIN */
    for (size_t i = 0; i < plen; i++)
        tcp[20 + i] = (uint8_t)(i * 7);
    return off + iplen;
}

static bool ip_ok(const uint8_t *ip)
{
    return ref_sum(ip, 20, 0) == 0xffff;
}

static bool tcp4_ok(const uint8_t *ip)
{
    size_t len = (size_t)(ip[2] << 8 | ip[3]) - 20;
    uint32_t pseudo = IPPROTO_TCP + (uint32_t)len;

    pseudo += ref_sum(ip + 12, 8, 0);
    return ref_sum(ip + 20, len, pseudo) == 0xffff;
}

static void test_parse(void **state)
{
    uint8_t f[200];
    struct pktparse p;
    size_t n = tcp4_frame(f, 10, true);

    (void)state;
    assert_int_equal(pktparse_frame(f, n, &p), 0);
    assert_int_equal(pktparse_vlan(f, n), 7);
    assert_int_equal(p.l3_off, 18);
    assert_int_equal(p.l4_off, 38);
    assert_int_equal(p.l4_end, 58);
    assert_int_equal(p.l4proto, IPPROTO_TCP);
    assert_int_equal(pktparse_frame(f, 13, &p), -1 * 22 /* -EINVAL */);
    /* Truncated TCP header: no L4 header end, and nothing to offload. */
    assert_int_equal(pktparse_frame(f, 45, &p), 0);
    assert_int_equal(p.l4_end, 0);
    assert_int_equal(swoffload_csum_fill(f, 45), -1 * 22);
    /* A TCP data offset under 20 bytes is no header either. */
    f[38 + 12] = 0x40;
    assert_int_equal(pktparse_frame(f, n, &p), 0);
    assert_int_equal(p.l4_end, 0);
    f[38 + 12] = 0x50;
    /* An IPv4 fragment has no ports to offload. */
    f[18 + 6] = 0x20; /* MF */
    assert_int_equal(pktparse_frame(f, n, &p), 0);
    assert_int_equal(p.l4_end, 0);
    assert_int_equal(swoffload_csum_fill(f, n), -1 * 22);
}

static void test_csum_fill_and_verify(void **state)
{
    uint8_t f[200];
    size_t n = tcp4_frame(f, 33, false);

    (void)state;
    assert_int_equal(swoffload_rx_csum_flags(f, n) & XNIC_RXS_CSUM_ERR, XNIC_RXS_CSUM_ERR);
    assert_int_equal(swoffload_csum_fill(f, n), 0);
    assert_true(ip_ok(f + 14));
    assert_true(tcp4_ok(f + 14));
    assert_int_equal(swoffload_rx_csum_flags(f, n), XNIC_RXS_IP_OK | XNIC_RXS_L4_OK);
    f[60] ^= 1;
    assert_int_equal(swoffload_rx_csum_flags(f, n), XNIC_RXS_IP_OK | XNIC_RXS_CSUM_ERR);
    /* Ethernet padding after the IP datagram is not summed. */
    f[60] ^= 1;
    memset(f + n, 0xee, 10);
    assert_int_equal(swoffload_rx_csum_flags(f, n + 10), XNIC_RXS_IP_OK | XNIC_RXS_L4_OK);
}

struct segs {
    unsigned n;
    uint8_t data[8][1600];
    size_t len[8];
};

static void collect(void *arg, const uint8_t *seg, size_t len)
{
    struct segs *s = arg;

    memcpy(s->data[s->n], seg, len);
    s->len[s->n++] = len;
}

static void test_tso_ipv4(void **state)
{
    static uint8_t f[4000], scratch[1600];
    static struct segs s;
    size_t n = tcp4_frame(f, 2500, false);

    (void)state;
    memset(&s, 0, sizeof(s));
    assert_int_equal(swoffload_tso(f, n, 1000, 54, scratch, sizeof(scratch), collect, &s), 3);
    for (unsigned i = 0; i < 3; i++) {
        const uint8_t *ip = s.data[i] + 14, *tcp = ip + 20;
        uint32_t seq = (uint32_t)tcp[4] << 24 | tcp[5] << 16 | tcp[6] << 8 | tcp[7];

        assert_int_equal(s.len[i], 54 + (i < 2 ? 1000 : 500));
        assert_int_equal(ip[2] << 8 | ip[3], s.len[i] - 14);
        assert_int_equal(ip[4] << 8 | ip[5], 0x1234 + i);
        assert_int_equal(seq, 0x01000000u + 1000 * i);
        assert_int_equal(tcp[13] & 0x09, i == 2 ? 0x09 : 0); /* FIN/PSH on the last only */
        assert_true(ip_ok(ip));
        assert_true(tcp4_ok(ip));
        assert_memory_equal(tcp + 20, f + 54 + 1000 * i, s.len[i] - 54);
    }
    assert_int_equal(swoffload_tso(f, n, 1000, 50, scratch, sizeof(scratch), collect, &s), -22);
    assert_int_equal(swoffload_tso(f, n, 0, 54, scratch, sizeof(scratch), collect, &s), -22);
}

static void count_seg(void *arg, const uint8_t *seg, size_t len)
{
    (void)seg;
    (void)len;
    ++*(unsigned *)arg;
}

/* An MSS of 1 made a 64 KiB packet 65 535 segments of work (and of every
 * receiver's, handed whole): nothing below Linux's smallest MSS is cut. */
static void test_tso_mss_floor(void **state)
{
    static uint8_t f[4000], scratch[1600];
    struct xnic_rx_wb wb = {0};
    size_t n = tcp4_frame(f, 2500, false);
    unsigned segs = 0;
    uint16_t flags;

    (void)state;
    assert_int_equal(swoffload_tso(f, n, 1, 54, scratch, sizeof(scratch), count_seg, &segs), -22);
    assert_int_equal(
        swoffload_tso(f, n, SWOFFLOAD_MIN_MSS - 1, 54, scratch, sizeof(scratch), count_seg, &segs),
        -22);
    assert_int_equal(segs, 0);
    assert_int_equal(swoffload_tso_whole(f, n, 1, 54, XNIC_MAX_FRAME, &flags, &wb), -22);
    assert_int_equal(swoffload_tso_count(f, n, SWOFFLOAD_MIN_MSS - 1, 54, sizeof(scratch)), -22);
    assert_int_equal(
        swoffload_tso(f, n, SWOFFLOAD_MIN_MSS, 54, scratch, sizeof(scratch), count_seg, &segs),
        (2500 + SWOFFLOAD_MIN_MSS - 1) / SWOFFLOAD_MIN_MSS);
    assert_int_equal(segs, (2500 + SWOFFLOAD_MIN_MSS - 1) / SWOFFLOAD_MIN_MSS);
}

/* One segment at a time (netdd resumes where its budget stopped it): the
 * same segments as the whole cut, and nothing past the last. */
static void test_tso_one_by_one(void **state)
{
    static uint8_t f[4000], scratch[1600], one[1600];
    static struct segs s;
    size_t n = tcp4_frame(f, 300, false);

    (void)state;
    memset(&s, 0, sizeof(s));
    assert_int_equal(swoffload_tso(f, n, 48, 54, scratch, sizeof(scratch), collect, &s), 7);
    assert_int_equal(swoffload_tso_count(f, n, 48, 54, sizeof(one)), 7);
    for (unsigned i = 0; i < 7; i++) {
        assert_int_equal(swoffload_tso_seg(f, n, 48, 54, i, one, sizeof(one)), s.len[i]);
        assert_memory_equal(one, s.data[i], s.len[i]);
    }
    assert_int_equal(s.len[6], 54 + 300 - 6 * 48);
    assert_int_equal(swoffload_tso_seg(f, n, 48, 54, 7, one, sizeof(one)), -22);
    assert_int_equal(swoffload_tso_seg(f, n, 48, 54, 0, one, 54 + 47), -22);
    /* Headers only: one segment. */
    n = tcp4_frame(f, 0, false);
    assert_int_equal(swoffload_tso_count(f, n, 48, 54, sizeof(one)), 1);
    assert_int_equal(swoffload_tso_seg(f, n, 48, 54, 0, one, sizeof(one)), 54);
}

/* Ethernet + IPv6 (::1 -> ::2) for l4_len bytes of proto, zeroed. */
static size_t ipv6_frame(uint8_t *f, uint8_t proto, size_t l4_len)
{
    uint8_t *ip = f + 14;

    memset(f, 0, 54 + l4_len);
    f[12] = 0x86;
    f[13] = 0xdd;
    ip[0] = 0x60;
    ip[4] = (uint8_t)(l4_len >> 8);
    ip[5] = (uint8_t)l4_len;
    ip[6] = proto;
    ip[23] = 1;
    ip[39] = 2;
    return 54 + l4_len;
}

static void test_udp_ipv6(void **state)
{
    uint8_t f[200];
    size_t n = ipv6_frame(f, IPPROTO_UDP, 28);
    uint8_t *ip = f + 14, *udp = ip + 40;

    (void)state;
    udp[5] = 28;
    memset(udp + 8, 0x33, 20);
    assert_int_equal(swoffload_csum_fill(f, n), 0);
    assert_int_equal(swoffload_rx_csum_flags(f, n), XNIC_RXS_L4_OK);
    {
        uint32_t pseudo = IPPROTO_UDP + 28 + ref_sum(ip + 8, 32, 0);

        assert_int_equal(ref_sum(udp, 28, pseudo), 0xffff);
    }
}

/* IPv6 with an extension header: pktparse finds the TCP header behind it,
 * but the device does not offload such frames (docs/xnic.md). */
static void test_ipv6_ext_not_offloaded(void **state)
{
    uint8_t f[200];
    size_t n = ipv6_frame(f, IPPROTO_DSTOPTS, 8 + 20);
    uint8_t *ip = f + 14;
    struct pktparse p;

    (void)state;
    ip[40] = IPPROTO_TCP; /* destination options: next header, length 0 (8 bytes) */
    ip[48 + 12] = 0x50;
    assert_int_equal(pktparse_frame(f, n, &p), 0);
    assert_int_equal(p.l4_off, 14 + 48);
    assert_int_equal(p.l4_end, 14 + 68);
    assert_int_equal(swoffload_csum_fill(f, n), -1 * 22);
    assert_int_equal(swoffload_rx_csum_flags(f, n), 0);
}

/* The pseudo-header sum a partial checksum field holds (not inverted). */
static uint16_t pseudo4(const uint8_t *ip, size_t l4_len)
{
    return ref_sum(ip + 12, 8, IPPROTO_TCP + (uint32_t)l4_len);
}

static void test_csum_partial(void **state)
{
    uint8_t f[200];
    size_t n = tcp4_frame(f, 33, false);
    uint8_t *ip = f + 14, *tcp = ip + 20;
    uint16_t flags = 0, sum;

    (void)state;
    assert_int_equal(swoffload_csum_partial(f, n, &flags), 0);
    assert_int_equal(flags, XNIC_RXS_RSC | XNIC_RXS_IP_OK);
    assert_true(ip_ok(ip));
    assert_int_equal(tcp[16] << 8 | tcp[17], pseudo4(ip, n - 34));
    /* A receiver completes it: sum from the TCP header on, store the inverse. */
    sum = (uint16_t)~ref_sum(tcp, n - 34, 0);
    tcp[16] = (uint8_t)(sum >> 8);
    tcp[17] = (uint8_t)sum;
    assert_true(tcp4_ok(ip));
    assert_int_equal(swoffload_csum_partial(f, 30, &flags), -22);
}

static void test_tso_whole(void **state)
{
    static uint8_t f[4000], orig[4000];
    struct xnic_rx_wb wb = {.rss_hash = 7};
    size_t n = tcp4_frame(f, 2500, false);
    uint8_t *ip = f + 14, *tcp = ip + 20;
    uint16_t flags = 0;

    (void)state;
    ip[2] = ip[3] = 0; /* TSO takes no length from the sender */
    memcpy(orig, f, n);
    assert_int_equal(swoffload_tso_whole(f, n, 1000, 54, XNIC_MAX_FRAME, &flags, &wb), 0);
    assert_int_equal(flags, XNIC_RXS_RSC | XNIC_RXS_IP_OK);
    assert_int_equal(wb.gso_size, 1000);
    assert_int_equal(wb.gso_type, XNIC_GSO_TCPV4);
    assert_int_equal(wb.rss_hash, 7);
    assert_int_equal(ip[2] << 8 | ip[3], n - 14);
    assert_true(ip_ok(ip));
    assert_int_equal(tcp[16] << 8 | tcp[17], pseudo4(ip, n - 34));
    assert_memory_equal(tcp, orig + 34, 16); /* ports, seq, ack, flags as sent */
    assert_memory_equal(tcp + 20, orig + 54, n - 54);
    /* One segment's worth is not GSO. */
    assert_int_equal(swoffload_tso_whole(f, n, 3000, 54, XNIC_MAX_FRAME, &flags, &wb), 0);
    assert_int_equal(wb.gso_type, XNIC_GSO_NONE);
    assert_int_equal(wb.gso_size, 0);
    /* What swoffload_tso() refuses. */
    assert_int_equal(swoffload_tso_whole(f, n, 1000, 50, XNIC_MAX_FRAME, &flags, &wb), -22);
    assert_int_equal(swoffload_tso_whole(f, n, 0, 54, XNIC_MAX_FRAME, &flags, &wb), -22);
    assert_int_equal(swoffload_tso_whole(f, n, 1000, 54, 1000, &flags, &wb), -22);
}

static void test_tso_whole_ipv6(void **state)
{
    static uint8_t f[3200];
    struct xnic_rx_wb wb = {0};
    size_t n = ipv6_frame(f, IPPROTO_TCP, 20 + 3000);
    uint8_t *ip = f + 14, *tcp = ip + 40;
    uint16_t flags = 0;

    (void)state;
    ip[4] = ip[5] = 0; /* TSO takes no length from the sender */
    tcp[12] = 0x50;
    assert_int_equal(swoffload_tso_whole(f, n, 1440, 74, XNIC_MAX_FRAME, &flags, &wb), 0);
    assert_int_equal(flags, XNIC_RXS_RSC);
    assert_int_equal(wb.gso_type, XNIC_GSO_TCPV6);
    assert_int_equal(ip[4] << 8 | ip[5], 3020);
    assert_int_equal(tcp[16] << 8 | tcp[17], ref_sum(ip + 8, 32, IPPROTO_TCP + 3020));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),          cmocka_unit_test(test_csum_fill_and_verify),
        cmocka_unit_test(test_tso_ipv4),       cmocka_unit_test(test_tso_mss_floor),
        cmocka_unit_test(test_udp_ipv6),       cmocka_unit_test(test_ipv6_ext_not_offloaded),
        cmocka_unit_test(test_csum_partial),   cmocka_unit_test(test_tso_whole),
        cmocka_unit_test(test_tso_whole_ipv6), cmocka_unit_test(test_tso_one_by_one),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
