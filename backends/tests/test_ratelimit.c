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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_rate),
        cmocka_unit_test(test_refills_to_burst_only),
        cmocka_unit_test(test_burst_one_paces),
        cmocka_unit_test(test_zero_arguments_are_one),
        cmocka_unit_test(test_time_zero),
        cmocka_unit_test(test_available_and_take_n),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
