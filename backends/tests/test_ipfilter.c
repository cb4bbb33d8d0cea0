/*
 * Unit tests of IP anti-spoofing (sv/ipfilter.h): frames a guest may send
 * from its configured addresses, and those it may not: IPv4 and IPv6
 * sources, ARP senders, neighbour advertisements (behind extension
 * headers, in fragments), tags and LLC hiding headers, truncated headers; a
 * copied head judged alone; no addresses, no filter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "sv/ipfilter.h"

/* IPv6 next-header values: hop-by-hop, routing, fragment, destination
 * options, authentication header. */
enum { HBH = 0, RT = 43, FRAG = 44, DST = 60, AH = 51 };
#define NA     136
#define MORE   1      /* a fragment header's M flag: more fragments follow */
#define SECOND 0x0008 /* offset 8 bytes: not the first fragment */

static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x02};
static const uint8_t other_mac[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x03};

/* An Ethernet header from mac with type, optionally tagged: its length. */
static size_t eth(uint8_t *f, uint16_t type, uint16_t vid)
{
    size_t off = 12;

    memset(f, 0xff, 6);
    memcpy(f + 6, mac, 6);
    if (vid) {
        f[off++] = 0x81;
        f[off++] = 0x00;
        f[off++] = (uint8_t)(vid >> 8);
        f[off++] = (uint8_t)vid;
    }
    f[off++] = (uint8_t)(type >> 8);
    f[off++] = (uint8_t)type;
    return off;
}

static size_t ipv4(uint8_t *f, const uint8_t src[4], uint8_t proto, uint16_t sport, uint16_t dport,
                   uint16_t vid)
{
    size_t l3 = eth(f, 0x0800, vid);
    uint8_t *ip = f + l3, *udp = ip + 20;

    memset(ip, 0, 28);
    ip[0] = 0x45;
    ip[3] = 28;
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, src, 4);
    memset(ip + 16, 255, 4);
    udp[0] = (uint8_t)(sport >> 8);
    udp[1] = (uint8_t)sport;
    udp[2] = (uint8_t)(dport >> 8);
    udp[3] = (uint8_t)dport;
    return l3 + 28;
}

static size_t arp(uint8_t *f, const uint8_t sha[6], const uint8_t spa[4])
{
    size_t l3 = eth(f, 0x0806, 0);
    uint8_t *a = f + l3;
    static const uint8_t head[8] = {0, 1, 8, 0, 6, 4, 0, 1};

    memcpy(a, head, 8);
    memcpy(a + 8, sha, 6);
    memcpy(a + 14, spa, 4);
    memset(a + 18, 0, 10);
    return l3 + 28;
}

/* IPv6 from src (tag vid) through the extension headers hdrs[n] (8 bytes
 * each; a fragment header's offset and M field is frag), then 24 bytes of
 * ICMPv6 of type (NA: for target).  Its length. */
static size_t ipv6x(uint8_t *f, uint16_t vid, const uint8_t src[16], const uint8_t *hdrs,
                    unsigned n, uint16_t frag, uint8_t type, const uint8_t target[16])
{
    size_t l3 = eth(f, 0x86dd, vid), off = 40;
    uint8_t *ip = f + l3, *nh = ip + 6;

    memset(ip, 0, 40 + 8 * n + 24);
    ip[0] = 0x60;
    ip[7] = 255;
    memcpy(ip + 8, src, 16);
    ip[24] = 0xff;
    ip[25] = 0x02;
    ip[39] = 1;
    for (unsigned i = 0; i < n; off += 8, i++) {
        *nh = hdrs[i];
        nh = ip + off;
        if (hdrs[i] == FRAG) {
            ip[off + 2] = (uint8_t)(frag >> 8);
            ip[off + 3] = (uint8_t)frag;
        }
    }
    *nh = 58;
    ip[5] = (uint8_t)(off - 40 + 24);
    ip[off] = type;
    if (target)
        memcpy(ip + off + 8, target, 16);
    return l3 + off + 24;
}

/* IPv6 + ICMPv6 of type (NA: target); 24 bytes of ICMPv6. */
static size_t ipv6(uint8_t *f, const uint8_t src[16], uint8_t type, const uint8_t target[16])
{
    return ipv6x(f, 0, src, NULL, 0, 0, type, target);
}

static const uint8_t mine4[4] = {10, 0, 0, 2}, second4[4] = {10, 0, 1, 2},
                     theirs4[4] = {10, 0, 0, 3}, any4[4];
static const uint8_t mine6[16] = {0xfd, 0, [15] = 2}, theirs6[16] = {0xfd, 0, [15] = 3}, any6[16];
/* fe80::216:3eff:fe00:2, mac's EUI-64 */
static const uint8_t ll6[16] = {0xfe, 0x80, [8] = 0x02, 0x16, 0x3e, 0xff, 0xfe, 0x00, 0x00, 0x02};
static const uint8_t other_ll6[16] = {0xfe, 0x80, [8] = 0x02, 0x16, 0x3e,
                                      0xff, 0xfe, 0x00,       0x00, 0x03};

static void test_ipv4_source(void **state)
{
    struct ipfilter f;
    uint8_t fr[128];
    size_t n;

    (void)state;
    assert_int_equal(ipfilter_init(&f, "10.0.0.2/24 fd00::2/64 10.0.1.2", mac), 0);
    assert_true(f.active);
    assert_true(ipfilter_allows(&f, fr, ipv4(fr, mine4, 17, 1, 2, 0)));
    assert_true(ipfilter_allows(&f, fr, ipv4(fr, second4, 6, 1, 2, 0)));
    /* The prefix is its netmask, not addresses it may use. */
    assert_false(ipfilter_allows(&f, fr, ipv4(fr, theirs4, 17, 1, 2, 0)));
    /* Behind a tag (a trunk) just the same. */
    assert_true(ipfilter_allows(&f, fr, ipv4(fr, mine4, 17, 1, 2, 42)));
    assert_false(ipfilter_allows(&f, fr, ipv4(fr, theirs4, 17, 1, 2, 42)));
    /* 0.0.0.0: a DHCP request only. */
    assert_true(ipfilter_allows(&f, fr, ipv4(fr, any4, 17, 68, 67, 0)));
    assert_false(ipfilter_allows(&f, fr, ipv4(fr, any4, 17, 68, 68, 0)));
    assert_false(ipfilter_allows(&f, fr, ipv4(fr, any4, 6, 68, 67, 0)));
    /* Cut short: refused, not passed. */
    n = ipv4(fr, mine4, 17, 1, 2, 0);
    assert_false(ipfilter_allows(&f, fr, 14 + 19));
    assert_false(ipfilter_allows(&f, fr, 13));
    fr[14] = 0x65; /* says IPv6 in an IPv4 frame */
    assert_false(ipfilter_allows(&f, fr, n));
}

static void test_arp(void **state)
{
    struct ipfilter f;
    uint8_t fr[128];
    size_t n;

    (void)state;
    assert_int_equal(ipfilter_init(&f, "10.0.0.2", mac), 0);
    assert_true(ipfilter_allows(&f, fr, arp(fr, mac, mine4)));
    assert_true(ipfilter_allows(&f, fr, arp(fr, mac, any4))); /* a probe */
    assert_false(ipfilter_allows(&f, fr, arp(fr, mac, theirs4)));
    assert_false(ipfilter_allows(&f, fr, arp(fr, other_mac, mine4)));
    n = arp(fr, mac, mine4);
    assert_false(ipfilter_allows(&f, fr, n - 1));
    fr[14 + 3] = 0xdd; /* protocol IPv6: not the ARP we know */
    assert_false(ipfilter_allows(&f, fr, n));
}

static void test_ipv6(void **state)
{
    struct ipfilter f;
    uint8_t fr[128];

    (void)state;
    assert_int_equal(ipfilter_init(&f, "10.0.0.2/24 fd00::2/64", mac), 0);
    assert_true(ipfilter_allows(&f, fr, ipv6(fr, mine6, 128, NULL)));
    assert_true(ipfilter_allows(&f, fr, ipv6(fr, ll6, 133, NULL)));
    assert_true(ipfilter_allows(&f, fr, ipv6(fr, any6, 135, NULL))); /* DAD */
    assert_false(ipfilter_allows(&f, fr, ipv6(fr, theirs6, 128, NULL)));
    assert_false(ipfilter_allows(&f, fr, ipv6(fr, other_ll6, 133, NULL)));
    /* Advertisements for its own addresses only. */
    assert_true(ipfilter_allows(&f, fr, ipv6(fr, ll6, 136, mine6)));
    assert_true(ipfilter_allows(&f, fr, ipv6(fr, mine6, 136, ll6)));
    assert_false(ipfilter_allows(&f, fr, ipv6(fr, mine6, 136, theirs6)));
    assert_false(ipfilter_allows(&f, fr, ipv6(fr, any6, 136, theirs6)));
    /* An IPv4-only vif: IPv6 from its link-local address only. */
    assert_int_equal(ipfilter_init(&f, "10.0.0.2", mac), 0);
    assert_true(ipfilter_allows(&f, fr, ipv6(fr, ll6, 133, NULL)));
    assert_false(ipfilter_allows(&f, fr, ipv6(fr, mine6, 128, NULL)));
}

static void test_tags_and_others(void **state)
{
    struct ipfilter f;
    uint8_t fr[128];
    size_t n;

    (void)state;
    assert_int_equal(ipfilter_init(&f, "10.0.0.2", mac), 0);
    /* A second tag hides the header: refused whatever follows. */
    n = ipv4(fr, mine4, 17, 1, 2, 42);
    fr[16] = 0x81;
    fr[17] = 0x00;
    assert_false(ipfilter_allows(&f, fr, n));
    fr[16] = 0x88;
    fr[17] = 0xa8;
    assert_false(ipfilter_allows(&f, fr, n));
    /* So does a service tag first (802.1ad, or the older 0x9100). */
    n = ipv4(fr, mine4, 17, 1, 2, 42);
    memcpy(fr + 12, "\x88\xa8", 2);
    assert_false(ipfilter_allows(&f, fr, n));
    memcpy(fr + 12, "\x91\x00", 2);
    assert_false(ipfilter_allows(&f, fr, n));
    /* Not IP: nothing to check. */
    n = eth(fr, 0x88cc, 0); /* LLDP */
    assert_true(ipfilter_allows(&f, fr, n + 20));
    /* IP behind 802.2 LLC/SNAP (RFC 1042) is refused, other LLC frames
     * (STP) pass. */
    memset(fr, 0, sizeof(fr));
    n = eth(fr, 100, 0);
    memcpy(fr + n, "\xaa\xaa\x03\x00\x00\x00\x86\xdd", 8);
    assert_false(ipfilter_allows(&f, fr, n + 100));
    assert_false(ipfilter_allows(&f, fr, n + 5)); /* cut short */
    memcpy(fr + n, "\x42\x42\x03\x00\x00\x00\x00\x00", 8);
    assert_true(ipfilter_allows(&f, fr, n + 100));
}

static void test_inactive_and_bad(void **state)
{
    struct ipfilter f;
    uint8_t fr[128];

    (void)state;
    assert_int_equal(ipfilter_init(&f, "", mac), 0);
    assert_false(f.active);
    assert_true(ipfilter_allows(&f, fr, ipv4(fr, theirs4, 17, 1, 2, 0)));
    assert_true(ipfilter_allows(&f, fr, arp(fr, other_mac, theirs4)));
    assert_int_equal(ipfilter_init(&f, NULL, mac), 0);
    assert_false(f.active);
    assert_int_equal(ipfilter_init(&f, "10.0.0.2 10.0.0.300", mac), -EINVAL);
    assert_false(f.active);
    assert_int_equal(ipfilter_init(&f,
                                   "1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 "
                                   "1.1.1.8 1.1.1.9",
                                   mac),
                     -EINVAL);
    assert_int_equal(ipfilter_init(&f, "1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 ::5 ::6 ::7 ::8", mac), 0);
    assert_int_equal(f.n4 + f.n6, 8);
}

/* A head netdd copied is judged alone: allowed only when those bytes show
 * it, whatever the rest of the frame holds. */
static void test_head(void **state)
{
    struct ipfilter f;
    uint8_t fr[128];
    size_t n;

    (void)state;
    assert_int_equal(ipfilter_init(&f, "10.0.0.2 fd00::2", mac), 0);
    n = ipv4(fr, mine4, 6, 1, 2, 0);
    assert_true(ipfilter_allows_head(&f, fr, 34, 3000));  /* the IPv4 header suffices */
    assert_false(ipfilter_allows_head(&f, fr, 33, 3000)); /* cut inside it */
    n = ipv4(fr, theirs4, 6, 1, 2, 0);
    assert_false(ipfilter_allows_head(&f, fr, n, 3000));
    /* DHCP from 0.0.0.0: the ports must be in the head. */
    n = ipv4(fr, any4, 17, 68, 67, 0);
    assert_true(ipfilter_allows_head(&f, fr, n, 3000));
    assert_false(ipfilter_allows_head(&f, fr, 34, 3000));
    /* ICMPv6 whose type is past the head: not known to be no advertisement. */
    n = ipv6(fr, mine6, 136, theirs6);
    assert_false(ipfilter_allows(&f, fr, n));
    assert_false(ipfilter_allows_head(&f, fr, 54, n));
    assert_false(ipfilter_allows_head(&f, fr, 60, n)); /* its target cut */
    n = ipv6(fr, mine6, 128, NULL);
    assert_false(ipfilter_allows_head(&f, fr, 54, n));
    assert_true(ipfilter_allows_head(&f, fr, 55, n));
    /* A frame that ends before its ICMPv6 type is no advertisement. */
    assert_true(ipfilter_allows_head(&f, fr, 54, 54));
    /* An extension-header chain past the head: judged whole. */
    n = ipv6x(fr, 0, mine6, (const uint8_t[]){HBH, DST}, 2, 0, NA, theirs6);
    assert_false(ipfilter_allows_head(&f, fr, 60, n));
    assert_false(ipfilter_allows(&f, fr, n));
    n = ipv6x(fr, 0, mine6, (const uint8_t[]){FRAG}, 1, MORE, 128, NULL);
    assert_false(ipfilter_allows_head(&f, fr, 14 + 48 + 7, n)); /* the first's ICMPv6 cut */
    assert_true(ipfilter_allows_head(&f, fr, 14 + 48 + 8, n));
}

/* The filter follows the extension-header chain to the upper layer: an
 * advertisement is one behind any of them. */
static void test_ipv6_chain(void **state)
{
    static const uint8_t chains[][4] = {{HBH}, {DST}, {RT}, {AH}, {HBH, DST, RT, DST}, {HBH, AH}};
    static const unsigned lens[] = {1, 1, 1, 1, 4, 2};
    struct ipfilter f;
    uint8_t fr[256], nine[9] = {HBH, DST, DST, DST, DST, DST, DST, DST, DST};
    size_t n;

    (void)state;
    assert_int_equal(ipfilter_init(&f, "fd00::2", mac), 0);
    for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        assert_false(
            ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, chains[i], lens[i], 0, NA, theirs6)));
        assert_true(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, chains[i], lens[i], 0, NA, mine6)));
        assert_false(
            ipfilter_allows(&f, fr, ipv6x(fr, 42, mine6, chains[i], lens[i], 0, NA, theirs6)));
        assert_true(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, chains[i], lens[i], 0, 128, NULL)));
    }
    /* Hop-by-hop options only first (RFC 8200 4.1). */
    assert_false(
        ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, (uint8_t[]){DST, HBH}, 2, 0, 128, NULL)));
    /* At most 8 headers. */
    assert_true(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, nine, 8, 0, 128, NULL)));
    assert_false(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, nine, 9, 0, 128, NULL)));
    /* A chain cut by the frame's end, or a header longer than the frame. */
    n = ipv6x(fr, 0, mine6, (uint8_t[]){HBH, DST}, 2, 0, 128, NULL);
    assert_false(ipfilter_allows(&f, fr, 14 + 40 + 8 + 4));
    fr[14 + 48 + 1] = 4; /* the destination options: 40 bytes, past the frame */
    assert_false(ipfilter_allows(&f, fr, n));
    /* From someone else's address whatever it carries. */
    assert_false(ipfilter_allows(&f, fr, ipv6x(fr, 0, theirs6, (uint8_t[]){DST}, 1, 0, 128, NULL)));
}

/* Neighbour discovery is never fragmented (RFC 6980), and a first fragment
 * holds the whole chain and the upper-layer header (RFC 7112). */
static void test_ipv6_fragments(void **state)
{
    static const uint8_t frag[] = {FRAG}, frag_dst[] = {FRAG, DST};
    struct ipfilter f;
    uint8_t fr[256];
    size_t n;

    (void)state;
    assert_int_equal(ipfilter_init(&f, "fd00::2", mac), 0);
    /* An advertisement in an atomic fragment, or a first one: for its own
     * address too. */
    assert_false(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, frag, 1, 0, NA, theirs6)));
    assert_false(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, frag, 1, 0, NA, mine6)));
    assert_false(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, frag, 1, MORE, NA, theirs6)));
    assert_false(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, frag_dst, 2, MORE, NA, theirs6)));
    assert_false(
        ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, (uint8_t[]){HBH, FRAG}, 2, 0, NA, mine6)));
    /* RS, RA, NS, redirect just the same. */
    for (uint8_t type = 133; type <= 137; type++)
        assert_false(ipfilter_allows(&f, fr, ipv6x(fr, 0, ll6, frag, 1, MORE, type, NULL)));
    /* A big ping is fragmented: its first fragment and the others pass. */
    assert_true(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, frag, 1, MORE, 128, NULL)));
    assert_true(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, frag_dst, 2, MORE, 128, NULL)));
    assert_true(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, frag, 1, SECOND, NA, theirs6)));
    assert_false(ipfilter_allows(&f, fr, ipv6x(fr, 0, theirs6, frag, 1, SECOND, 128, NULL)));
    /* A first fragment without its upper-layer header (RFC 7112): ICMPv6
     * cut, the chain cut, UDP cut; whole without a fragment header. */
    assert_false(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, frag, 1, MORE, 128, NULL) - 20));
    assert_true(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, NULL, 0, 0, 128, NULL) - 20));
    assert_false(ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, frag_dst, 2, MORE, 128, NULL) - 24));
    n = ipv6x(fr, 0, mine6, frag, 1, MORE, 0, NULL);
    fr[14 + 40] = 17; /* UDP */
    assert_true(ipfilter_allows(&f, fr, n - 16));
    assert_false(ipfilter_allows(&f, fr, n - 17));
    /* Two fragment headers: refused. */
    assert_false(
        ipfilter_allows(&f, fr, ipv6x(fr, 0, mine6, (uint8_t[]){FRAG, FRAG}, 2, 0, 128, NULL)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_source),
        cmocka_unit_test(test_arp),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_tags_and_others),
        cmocka_unit_test(test_inactive_and_bad),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_ipv6_chain),
        cmocka_unit_test(test_ipv6_fragments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
