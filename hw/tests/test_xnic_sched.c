/* cmocka tests of the xnic DRR TX scheduler: equal shares, weights, byte
 * fairness across frame sizes, idle queues losing credit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../xnic_sched.h"

struct sim {
    uint32_t len[8];  /* frame size of each queue, 0 = idle */
    unsigned left[8]; /* frames left, UINT32_MAX = endless */
    uint64_t bytes[8];
    unsigned pkts[8];
};

static uint32_t peek(void *arg, unsigned i)
{
    struct sim *s = arg;

    return s->left[i] ? s->len[i] : 0;
}

static void xmit(void *arg, unsigned i)
{
    struct sim *s = arg;

    s->bytes[i] += s->len[i];
    s->pkts[i]++;
    if (s->left[i] != UINT32_MAX)
        s->left[i]--;
}

static void test_equal_share(void **state)
{
    struct xnic_sched sc;
    struct sim s = {.len = {64, 64, 0}, .left = {UINT32_MAX, UINT32_MAX, 0}};

    (void)state;
    xnic_sched_init(&sc, 3, 1514);
    for (int i = 0; i < 100; i++)
        assert_int_equal(xnic_sched_run(&sc, peek, xmit, &s, 100), 100);
    assert_true(s.pkts[0] >= 4900 && s.pkts[0] <= 5100);
    assert_int_equal(s.pkts[0] + s.pkts[1], 10000);
}

static void test_bytes_not_packets(void **state)
{
    struct xnic_sched sc;
    struct sim s = {.len = {64, 1500}, .left = {UINT32_MAX, UINT32_MAX}};
    double share;

    (void)state;
    xnic_sched_init(&sc, 2, 1514);
    for (int i = 0; i < 1000; i++)
        xnic_sched_run(&sc, peek, xmit, &s, 64);
    share = (double)s.bytes[0] / (double)(s.bytes[0] + s.bytes[1]);
    assert_true(share > 0.45 && share < 0.55);
}

static void test_weights(void **state)
{
    struct xnic_sched sc;
    struct sim s = {.len = {1000, 1000}, .left = {UINT32_MAX, UINT32_MAX}};
    double ratio;

    (void)state;
    xnic_sched_init(&sc, 2, 1000);
    xnic_sched_set_weight(&sc, 1, 3);
    for (int i = 0; i < 1000; i++)
        xnic_sched_run(&sc, peek, xmit, &s, 10);
    ratio = (double)s.pkts[1] / (double)s.pkts[0];
    assert_true(ratio > 2.9 && ratio < 3.1);
}

static void test_drains_and_stops(void **state)
{
    struct xnic_sched sc;
    struct sim s = {.len = {64, 9000, 64}, .left = {5, 2, 0}};

    (void)state;
    xnic_sched_init(&sc, 3, 1514);
    /* A 9000-byte frame needs several turns of credit, but is never stuck. */
    assert_int_equal(xnic_sched_run(&sc, peek, xmit, &s, 100), 7);
    assert_int_equal(xnic_sched_run(&sc, peek, xmit, &s, 100), 0);
    assert_int_equal(sc.deficit[0], 0); /* idle queues keep no credit */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_share),
        cmocka_unit_test(test_bytes_not_packets),
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_drains_and_stops),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
