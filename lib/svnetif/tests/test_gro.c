/* Unit tests of the software GRO (sv/gro.h): what merges, what ends a run,
 * what is never touched, and the frame a merge hands to the guest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <xen/io/netif.h>

#include "sv/gro.h"

#define HDR 54 /* Ethernet + IPv4 + TCP, no options */
#define MSS 1448

enum { ACK = 0x10, PSH = 0x08, SYN = 0x02 };

struct seg {
    uint32_t seq;
    uint16_t payload;
    uint8_t flags;
    uint16_t sport;
    bool csum_ok;
};

static uint8_t frame[GRO_MAX + 100];

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* A TCP/IPv4 segment from 10.0.0.1:sport to 10.0.0.2:80; its length. */
static size_t build(const struct seg *s)
{
    uint8_t *ip = frame + 14, *tcp = ip + 20;

    memset(frame, 0, HDR);
    memcpy(frame, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + 20 + s->payload));
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, "\x0a\0\0\x01\x0a\0\0\x02", 8);
    put16(tcp, s->sport ? s->sport : 40000);
    put16(tcp + 2, 80);
    put32(tcp + 4, s->seq);
    put32(tcp + 8, 777);
    tcp[12] = 5 << 4;
    tcp[13] = s->flags;
    put16(tcp + 14, 512);
    for (unsigned i = 0; i < s->payload; i++)
        frame[HDR + i] = (uint8_t)(s->seq + i);
    return HDR + s->payload;
}

static enum gro_verdict offer(struct gro *g, struct seg s)
{
    return gro_add(g, frame, build(&s), s.csum_ok);
}

static struct seg data(uint32_t seq, uint16_t payload)
{
    return (struct seg){.seq = seq, .payload = payload, .flags = ACK, .csum_ok = true};
}

static int setup(void **state)
{
    *state = test_calloc(1, sizeof(struct gro));
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    test_free(*state);
    return 0;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void in_order_segments_merge_into_one_gso_frame(void **state)
{
    struct gro *g = *state;
    struct netif_offload o;
    const uint8_t *out;
    size_t len;
    uint32_t sum = 0;

    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(offer(g, data(1000 + i * MSS, MSS)), GRO_TAKEN);
    out = gro_finish(g, &len, &o);
    assert_non_null(out);
    assert_int_equal(len, HDR + 3 * MSS);
    assert_true(o.csum_blank);
    assert_true(o.data_validated);
    assert_int_equal(o.gso_type, XEN_NETIF_GSO_TYPE_TCPV4);
    assert_int_equal(o.gso_size, MSS);
    assert_int_equal(be16(out + 14 + 2), 20 + 20 + 3 * MSS); /* IPv4 total length */
    for (int i = 0; i < 20; i += 2)
        sum += be16(out + 14 + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    assert_int_equal(sum, 0xffff); /* the header checksum is valid again */
    for (unsigned i = 0; i < 3 * MSS; i++)
        assert_int_equal(out[HDR + i], (uint8_t)(1000 + i));
}

static void one_segment_goes_as_it_came(void **state)
{
    struct gro *g = *state;
    struct netif_offload o;
    size_t len;

    assert_int_equal(offer(g, data(5, 100)), GRO_TAKEN);
    assert_non_null(gro_finish(g, &len, &o));
    assert_int_equal(len, HDR + 100);
    assert_int_equal(o.gso_type, XEN_NETIF_GSO_TYPE_NONE);
    assert_false(o.csum_blank);
    assert_true(o.data_validated);
    gro_reset(g);
    assert_null(gro_finish(g, &len, &o));
}

/* What ends a held run: each case holds one full segment, then offers the
 * second; the verdict says whether it joined. */
static void what_ends_a_run(void **state)
{
    static const struct {
        const char *why;
        struct seg first, second;
        enum gro_verdict verdict;
    } cases[] = {
        {"next in sequence", {1, MSS, ACK, 0, true}, {1 + MSS, MSS, ACK, 0, true}, GRO_TAKEN},
        {"a gap", {1, MSS, ACK, 0, true}, {1 + MSS + 1, MSS, ACK, 0, true}, GRO_FLUSH},
        {"a retransmission", {1, MSS, ACK, 0, true}, {1, MSS, ACK, 0, true}, GRO_FLUSH},
        {"another flow", {1, MSS, ACK, 0, true}, {1 + MSS, MSS, ACK, 40001, true}, GRO_FLUSH},
        {"larger than the first", {1, 100, ACK, 0, true}, {101, 200, ACK, 0, true}, GRO_FLUSH},
        {"as large as the first", {1, 100, ACK, 0, true}, {101, 100, ACK, 0, true}, GRO_TAKEN},
        {"after PSH", {1, MSS, ACK | PSH, 0, true}, {1 + MSS, MSS, ACK, 0, true}, GRO_FLUSH},
        {"checksum not verified", {1, MSS, ACK, 0, true}, {1 + MSS, MSS, ACK, 0, false}, GRO_FLUSH},
        {"SYN", {1, MSS, ACK, 0, true}, {1 + MSS, MSS, ACK | SYN, 0, true}, GRO_FLUSH},
    };
    struct gro *g = *state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gro_reset(g);
        assert_int_equal(offer(g, cases[i].first), GRO_TAKEN);
        if (offer(g, cases[i].second) != cases[i].verdict)
            fail_msg("%s: wrong verdict", cases[i].why);
    }
}

static void a_short_segment_closes_the_run(void **state)
{
    struct gro *g = *state;

    assert_int_equal(offer(g, data(1, MSS)), GRO_TAKEN);
    assert_int_equal(offer(g, data(1 + MSS, 10)), GRO_TAKEN);
    assert_int_equal(offer(g, data(11 + MSS, MSS)), GRO_FLUSH);
}

static void psh_on_the_last_segment_reaches_the_guest(void **state)
{
    struct gro *g = *state;
    struct netif_offload o;
    const uint8_t *out;
    size_t len;

    assert_int_equal(offer(g, data(1, MSS)), GRO_TAKEN);
    assert_int_equal(offer(g, (struct seg){1 + MSS, MSS, ACK | PSH, 0, true}), GRO_TAKEN);
    out = gro_finish(g, &len, &o);
    assert_true(out[14 + 20 + 13] & PSH);
}

static void never_more_than_one_ip_packet(void **state)
{
    struct gro *g = *state;
    enum gro_verdict v = GRO_TAKEN;
    uint32_t seq = 0, n = 0;

    while (v == GRO_TAKEN) {
        v = offer(g, data(seq, MSS));
        seq += MSS;
        n++;
    }
    assert_int_equal(v, GRO_FLUSH);
    assert_true(g->len <= GRO_MAX);
    assert_int_equal(n - 1, (GRO_MAX - HDR) / MSS);
}

/* Frames gro must pass untouched when nothing is held: not plain TCP/IPv4
 * data, or lying about their lengths. */
static void what_is_never_merged(void **state)
{
    struct gro *g = *state;
    size_t len;

    assert_int_equal(offer(g, (struct seg){1, MSS, ACK, 0, false}), GRO_PASS);
    assert_int_equal(offer(g, (struct seg){1, 0, ACK, 0, true}), GRO_PASS); /* pure ACK */
    assert_int_equal(offer(g, (struct seg){1, MSS, SYN, 0, true}), GRO_PASS);

    len = build(&(struct seg){1, MSS, ACK, 0, true});
    frame[14 + 9] = 17; /* UDP */
    assert_int_equal(gro_add(g, frame, len, true), GRO_PASS);

    len = build(&(struct seg){1, MSS, ACK, 0, true});
    frame[14] = 0x46; /* IP options */
    assert_int_equal(gro_add(g, frame, len, true), GRO_PASS);

    len = build(&(struct seg){1, MSS, ACK, 0, true});
    frame[14 + 6] = 0x20; /* more fragments */
    assert_int_equal(gro_add(g, frame, len, true), GRO_PASS);

    len = build(&(struct seg){1, MSS, ACK, 0, true});
    assert_int_equal(gro_add(g, frame, len - 1, true), GRO_PASS); /* IP length beyond frame */

    len = build(&(struct seg){1, MSS, ACK, 0, true});
    frame[14 + 20 + 12] = 4 << 4; /* TCP header shorter than 20 bytes */
    assert_int_equal(gro_add(g, frame, len, true), GRO_PASS);

    len = build(&(struct seg){1, 0, ACK, 0, true});
    frame[14 + 20 + 12] = 6 << 4; /* TCP header beyond the IP packet */
    assert_int_equal(gro_add(g, frame, len, true), GRO_PASS);

    assert_int_equal(gro_add(g, frame, 20, true), GRO_PASS); /* runt */
    assert_int_equal(g->len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(in_order_segments_merge_into_one_gso_frame, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(one_segment_goes_as_it_came, setup, teardown),
        cmocka_unit_test_setup_teardown(what_ends_a_run, setup, teardown),
        cmocka_unit_test_setup_teardown(a_short_segment_closes_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(psh_on_the_last_segment_reaches_the_guest, setup, teardown),
        cmocka_unit_test_setup_teardown(never_more_than_one_ip_packet, setup, teardown),
        cmocka_unit_test_setup_teardown(what_is_never_merged, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
