/* cmocka tests of the token bucket (ratelimit.h) with a made-up clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sv/ratelimit.h"

#define MS 1000000ull

/* Tokens taken at now_ns, trying n times. */
static unsigned take_n(struct ratelimit *r, uint64_t now_ns, unsigned n)
{
    unsigned got = 0;

    while (n--)
        got += ratelimit_take(r, now_ns) == 0;
    return got;
}

static void test_burst_then_rate(void **state)
{
    struct ratelimit r;
    uint64_t t = 5000 * MS;

    (void)state;
    ratelimit_init(&r, 10, 4);
    assert_int_equal(take_n(&r, t, 100), 4); /* a full bucket: the burst */
    /* Empty: the next token comes one interval (100 ms) later. */
    assert_int_equal(ratelimit_take(&r, t), 100 * MS);
    assert_int_equal(ratelimit_take(&r, t + 40 * MS), 60 * MS);
    assert_int_equal(take_n(&r, t + 100 * MS, 5), 1);
    /* One second of a peer asking all the time: 10 tokens. */
    unsigned got = 0;
    for (uint64_t now = t + 101 * MS; now < t + 1101 * MS; now += MS)
        got += take_n(&r, now, 3);
    assert_int_equal(got, 10);
}

static void test_refills_to_burst_only(void **state)
{
    struct ratelimit r;

    (void)state;
    ratelimit_init(&r, 100, 8);
    assert_int_equal(take_n(&r, 1000 * MS, 50), 8);
    /* An hour idle fills it to the burst, not to an hour's worth. */
    assert_int_equal(take_n(&r, 3600000 * MS, 50), 8);
}

static void test_burst_one_paces(void **state)
{
    struct ratelimit r;

    (void)state;
    ratelimit_init(&r, 1000, 1);
    assert_int_equal(ratelimit_take(&r, 7 * MS), 0);
    assert_int_equal(ratelimit_take(&r, 7 * MS), 1 * MS);
    assert_int_equal(ratelimit_take(&r, 8 * MS), 0);
}

static void test_zero_arguments_are_one(void **state)
{
    struct ratelimit r;

    (void)state;
    ratelimit_init(&r, 0, 0);
    assert_int_equal(ratelimit_take(&r, 1000 * MS), 0);
    assert_int_equal(ratelimit_take(&r, 1000 * MS), 1000 * MS);
}

/* A rate past 10^9 a second (an administrator's "no limit", as xenstored's
 * request-rate quota may be set) is one a nanosecond, not a division by 0. */
static void test_huge_rate(void **state)
{
    struct ratelimit r;

    (void)state;
    ratelimit_init(&r, UINT32_MAX, UINT32_MAX);
    assert_int_equal(take_n(&r, 1000 * MS, 100000), 100000);
    assert_true(ratelimit_available(&r, 1000 * MS) > 1000000);
    assert_int_equal(ratelimit_timeval(1).tv_usec, 1);
    assert_int_equal(ratelimit_timeval(2500 * MS + 1).tv_sec, 2);
    assert_int_equal(ratelimit_timeval(2500 * MS + 1).tv_usec, 500001);
}

/* A clock at 0 (the first call of a monotonic clock may be small). */
static void test_time_zero(void **state)
{
    struct ratelimit r;

    (void)state;
    ratelimit_init(&r, 2, 2);
    assert_int_equal(take_n(&r, 0, 5), 2);
    assert_int_equal(ratelimit_take(&r, 0), 500 * MS);
}

/* Taking several at once (a ring's requests): what is there, then the rate. */
static void test_available_and_take_n(void **state)
{
    struct ratelimit r;
    uint64_t t = 1000 * MS;

    (void)state;
    ratelimit_init(&r, 100, 64);
    assert_int_equal(ratelimit_available(&r, t), 64);
    ratelimit_take_n(&r, t, 60);
    assert_int_equal(ratelimit_available(&r, t), 4);
    ratelimit_take_n(&r, t, 4);
    assert_int_equal(ratelimit_available(&r, t), 0);
    assert_int_not_equal(ratelimit_take(&r, t), 0);
    assert_int_equal(ratelimit_available(&r, t + 10 * MS), 1);
    assert_int_equal(ratelimit_available(&r, t + 105 * MS), 10);
    ratelimit_take_n(&r, t + 105 * MS, 0); /* nothing taken */
    assert_int_equal(ratelimit_available(&r, t + 105 * MS), 10);
    assert_int_equal(ratelimit_available(&r, t + 3600000 * MS), 64);
}

/* Bytes the credit lets through from t0 for dur_ns, offered len at a time
 * and retried when the credit says (as netback's timer does). */
static uint64_t credit_through(struct ratelimit_credit *c, uint64_t t0, uint64_t dur_ns,
                               uint64_t len)
{
    uint64_t now = t0, sent = 0;

    while (now < t0 + dur_ns) {
        uint64_t wait = ratelimit_credit_take(c, now, len);

        if (wait)
            now += wait;
        else
            sent += len;
    }
    return sent;
}

static void test_credit_rate(void **state)
{
    struct ratelimit_credit c;

    (void)state;
    /* xl's rate=10Mb/s@20ms: 25000 bytes per 20 ms window.  Over 10 s,
     * 1250000 bytes a second and the first burst (128 KiB) at most. */
    ratelimit_credit_init(&c, 25000, 20 * MS);
    uint64_t sent = credit_through(&c, 1000 * MS, 10000 * MS, 1514);
    assert_true(sent >= 12500000 - 1514 * 20);
    assert_true(sent <= 12500000 + RATELIMIT_CREDIT_MIN_BURST);
    /* 64 KiB GSO packets get through a credit smaller than one. */
    ratelimit_credit_init(&c, 6250, 50 * MS);
    sent = credit_through(&c, 1000 * MS, 10000 * MS, 65536);
    assert_true(sent >= 1250000 - 65536 && sent <= 1250000 + RATELIMIT_CREDIT_MIN_BURST);
}

static void test_credit_idle_and_unlimited(void **state)
{
    struct ratelimit_credit c;

    (void)state;
    ratelimit_credit_init(&c, 1000, 10 * MS);
    assert_int_equal(ratelimit_credit_take(&c, 100 * MS, 1000), 0);
    /* Empty: the wait is what is left of the window. */
    assert_int_equal(ratelimit_credit_take(&c, 104 * MS, 1), 6 * MS);
    assert_int_equal(ratelimit_credit_take(&c, 110 * MS, 1000), 0);
    /* An hour idle gains one window's credit, as in Xen, not an hour's. */
    uint64_t t = 3600000 * MS, got = 0;
    while (ratelimit_credit_take(&c, t, 100) == 0)
        got += 100;
    assert_int_equal(got, 1000);
    ratelimit_credit_init(&c, 0, 0);
    assert_int_equal(ratelimit_credit_take(&c, 0, UINT64_MAX), 0);
}

/* A burst set: an idle vif gathers up to it (a token bucket), never less
 * than 128 KiB, and the rate holds after it. */
static void test_credit_burst(void **state)
{
    struct ratelimit_credit c;
    uint64_t got = 0;

    (void)state;
    ratelimit_credit_init(&c, 1000, 10 * MS);
    ratelimit_credit_set_burst(&c, 200000);
    while (ratelimit_credit_take(&c, 3600000 * MS, 1000) == 0)
        got += 1000;
    assert_int_equal(got, 200000);
    assert_int_equal(ratelimit_credit_take(&c, 3600000 * MS + 10 * MS, 1000), 0);
    assert_true(ratelimit_credit_take(&c, 3600000 * MS + 10 * MS, 1000) > 0);
    /* Half a second idle: 50 windows' credit, no more. */
    got = 0;
    while (ratelimit_credit_take(&c, 3600510 * MS, 1000) == 0)
        got += 1000;
    assert_int_equal(got, 50000);
    uint64_t sent = credit_through(&c, 3601000 * MS, 10000 * MS, 1000);
    assert_true(sent >= 1000000 - 1000 && sent <= 1000000 + 200000);
    /* Below 128 KiB: raised to it, so a GSO frame and its headers still go. */
    ratelimit_credit_init(&c, 1000, 10 * MS);
    ratelimit_credit_set_burst(&c, 1024);
    assert_int_equal(ratelimit_credit_take(&c, 3600000 * MS, 65535 + 14), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_credit_rate),
        cmocka_unit_test(test_credit_idle_and_unlimited),
        cmocka_unit_test(test_credit_burst),
        cmocka_unit_test(test_burst_then_rate),
        cmocka_unit_test(test_refills_to_burst_only),
        cmocka_unit_test(test_burst_one_paces),
        cmocka_unit_test(test_zero_arguments_are_one),
        cmocka_unit_test(test_time_zero),
        cmocka_unit_test(test_huge_rate),
        cmocka_unit_test(test_available_and_take_n),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
