/* cmocka tests of the packet generator's pure half: its frames are valid
 * Ethernet/IPv4/UDP that the receiver recognises (and nothing corrupted
 * is), sequence accounting, and option parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "../pktgen.h"
#include "sv/pktparse.h"

static struct pktgen_config tx_cfg(unsigned len)
{
    struct pktgen_config c = {.mode = PKTGEN_TX,
                              .src_mac = {0x00, 0x16, 0x3e, 0, 0, 1},
                              .dst_mac = {0x00, 0x16, 0x3e, 0, 0, 2},
                              .sport = 1234,
                              .dport = 9000,
                              .len = len,
                              .burst = 32};

    inet_pton(AF_INET, "10.0.0.1", &c.src_ip);
    inet_pton(AF_INET, "10.0.0.2", &c.dst_ip);
    return c;
}

static void test_frame_round_trip(void **state)
{
    static const unsigned lens[] = {PKTGEN_MIN_LEN, 64, 65, 1514};
    static const uint64_t seqs[] = {0, 1, 0xffff, 0x123456789abcdefull};
    uint8_t f[PKTGEN_MAX_LEN];

    (void)state;
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        struct pktgen_config c = tx_cfg(lens[i]);

        for (size_t k = 0; k < sizeof(seqs) / sizeof(seqs[0]); k++) {
            struct pktparse pp;
            uint64_t seq = 0;

            assert_int_equal(pktgen_frame(&c, seqs[k], f), lens[i]);
            assert_int_equal(pktgen_frame_seq(f, lens[i], &seq), 0);
            assert_true(seq == seqs[k]);
            assert_memory_equal(f, c.dst_mac, 6);
            assert_memory_equal(f + 6, c.src_mac, 6);
            assert_int_equal(pktparse_frame(f, lens[i], &pp), 0);
            assert_int_equal(pp.ipver, 4);
            assert_int_equal(pp.l4proto, 17);
            assert_int_equal(pp.l4_off, 34);
            assert_int_equal(f[36] << 8 | f[37], 9000);
        }
    }
}

/* The template makes the very same frames. */
static void test_template_matches(void **state)
{
    static const unsigned lens[] = {PKTGEN_MIN_LEN, 64, 65, 1514};
    static const uint64_t seqs[] = {0,         1, 0xfffe, 0xffff, 0x10000, 0x123456789abcdefull,
                                    UINT64_MAX};
    static struct pktgen_tmpl t;
    uint8_t a[PKTGEN_MAX_LEN], b[PKTGEN_MAX_LEN];

    (void)state;
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        struct pktgen_config c = tx_cfg(lens[i]);

        pktgen_tmpl_init(&t, &c);
        for (size_t k = 0; k < sizeof(seqs) / sizeof(seqs[0]); k++) {
            assert_int_equal(pktgen_frame(&c, seqs[k], a), lens[i]);
            assert_int_equal(pktgen_tmpl_frame(&t, seqs[k], b), lens[i]);
            assert_memory_equal(a, b, lens[i]);
        }
    }
}

/* Any byte changed past the MACs (a header, a checksum, the payload) makes
 * the frame not ours: the receiver counts it bad, never as a frame. */
static void test_corruption_rejected(void **state)
{
    struct pktgen_config c = tx_cfg(64);
    uint8_t f[64];
    uint64_t seq;

    (void)state;
    for (unsigned i = 12; i < sizeof(f); i++) {
        pktgen_frame(&c, 77, f);
        f[i] ^= 0x10;
        assert_int_equal(pktgen_frame_seq(f, sizeof(f), &seq), -EINVAL);
    }
    pktgen_frame(&c, 77, f);
    assert_int_equal(pktgen_frame_seq(f, 63, &seq), -EINVAL);
    assert_int_equal(pktgen_frame_seq(f, 20, &seq), -EINVAL);
}

static void test_rx_accounting(void **state)
{
    static const uint64_t seen[] = {0, 1, 2, 5, 3, 6, 6};
    struct pktgen_rx_stats s = {0};

    (void)state;
    for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
        pktgen_rx_account(&s, seen[i]);
    assert_int_equal(s.frames, 7);
    assert_int_equal(s.lost, 2);      /* 3 and 4 skipped when 5 came */
    assert_int_equal(s.reordered, 2); /* 3 late, 6 again */
    assert_int_equal(s.next_seq, 7);
}

static int parse(struct pktgen_config *c, const char *const *args, int n)
{
    char *argv[16];

    for (int i = 0; i < n; i++)
        argv[i] = (char *)args[i];
    argv[n] = NULL;
    return pktgen_parse_args(n, argv, c);
}

static void test_args(void **state)
{
    static const char *const plain[] = {"guest"};
    static const char *const tx[] = {
        "guest",    "--pktgen", "tx",    "--dst-mac",  "00:16:3e:00:00:02",
        "--dst-ip", "10.0.0.2", "--len", "128",        "--count",
        "1000",     "--burst",  "16",    "--busy-poll"};
    static const char *const rx[] = {"guest", "--pktgen", "rx", "--vif", "1"};
    static const char *const no_mac[] = {"guest", "--pktgen", "tx"};
    static const char *const short_len[] = {"guest", "--pktgen", "rx", "--len", "59"};
    static const char *const bad_mode[] = {"guest", "--pktgen", "both"};
    static const char *const stray[] = {"guest", "--pktgen", "rx", "extra"};
    static const char *const spin[] = {"guest", "--pktgen", "rx", "--busy-poll-us", "0"};
    static const char *const long_spin[] = {"guest", "--pktgen", "rx", "--busy-poll-us", "1000001"};
    static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0, 0, 2};
    struct pktgen_config c;

    (void)state;
    assert_int_equal(parse(&c, plain, 1), 0);
    assert_int_equal(c.mode, PKTGEN_OFF);
    assert_int_equal(parse(&c, tx, 14), 0);
    assert_int_equal(c.mode, PKTGEN_TX);
    assert_memory_equal(c.dst_mac, mac, 6);
    assert_int_equal(c.dst_ip, inet_addr("10.0.0.2"));
    assert_int_equal(c.len, 128);
    assert_int_equal(c.count, 1000);
    assert_int_equal(c.burst, 16);
    assert_true(c.busy_poll);
    assert_int_equal(c.busy_poll_us, 50);
    assert_int_equal(parse(&c, spin, 5), 0);
    assert_true(c.busy_poll);
    assert_int_equal(c.busy_poll_us, 0);
    assert_int_equal(parse(&c, long_spin, 5), -EINVAL);
    assert_int_equal(parse(&c, rx, 5), 0);
    assert_int_equal(c.mode, PKTGEN_RX);
    assert_int_equal(c.devid, 1);
    assert_int_equal(c.len, 64);
    assert_false(c.busy_poll);
    assert_int_equal(parse(&c, no_mac, 3), -EINVAL);
    assert_int_equal(parse(&c, short_len, 5), -EINVAL);
    assert_int_equal(parse(&c, bad_mode, 3), -EINVAL);
    assert_int_equal(parse(&c, stray, 4), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_round_trip),
        cmocka_unit_test(test_template_matches),
        cmocka_unit_test(test_corruption_rejected),
        cmocka_unit_test(test_rx_accounting),
        cmocka_unit_test(test_args),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
