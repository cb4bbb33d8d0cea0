/* Unit tests: the budget of what domains may make the hypervisor hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "../quota.h"

/* The budget is the fds, within QUOTA_UNITS_PER_MAPPING per mapping, less an
 * eighth (at least QUOTA_MIN_RESERVE) kept for dom0.  Frames take no mapping,
 * so max_map_count no longer caps it at 65530. */
static void test_budget_arithmetic(void **state)
{
    struct quota q;

    (void)state;
    quota_init(&q, 1048576, 65530);
    assert_int_equal(q.limit, 8 * 65530 - 8 * 65530 / 8);
    quota_init(&q, 20000, 65530);
    assert_int_equal(q.limit, 20000 - 20000 / 8);
    quota_init(&q, 4096, 65530);
    assert_int_equal(q.limit, 4096 - 512);
    quota_init(&q, 2048, 65530);
    assert_int_equal(q.limit, 2048 - QUOTA_MIN_RESERVE);
    quota_init(&q, 100, 65530);
    assert_int_equal(q.limit, 0);
}

static void test_take_and_give(void **state)
{
    struct quota q = {.limit = 10};

    (void)state;
    assert_int_equal(quota_take(&q, 6), 0);
    assert_int_equal(quota_take(&q, 5), -ENOSPC);
    assert_int_equal(q.used, 6); /* a refusal takes nothing */
    assert_int_equal(quota_take(&q, 4), 0);
    assert_int_equal(quota_take(&q, 1), -ENOSPC);
    quota_give(&q, 3);
    assert_int_equal(quota_take(&q, 3), 0);
    assert_int_equal(quota_take(NULL, 1u << 30), 0); /* not charged */
    quota_give(NULL, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_arithmetic),
        cmocka_unit_test(test_take_and_give),
    };
    return cmocka_run_group_tests_name("quota", tests, NULL, NULL);
}
