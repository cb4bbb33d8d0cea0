/*
 * Unit tests of libsvl's logic that needs no running host: CPU lists (the
 * vcpu-pin forms), domain ids, and the error a call leaves (one line per
 * cause, the outermost last).  What it does to domains is covered by the
 * integration tests (tests/integration/xl_*.sh).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sv/svl.h"
#include "../svl_internal.h"

static void test_parse_cpus(void **state)
{
    long ncpus = sysconf(_SC_NPROCESSORS_CONF);
    char text[32], back[64];
    cpu_set_t cpus;

    (void)state;
    assert_int_equal(svl_parse_cpus("all", &cpus), 0);
    assert_int_equal(CPU_COUNT(&cpus), ncpus);
    svl_format_cpus(&cpus, back, sizeof(back));
    assert_string_equal(back, "all");
    assert_int_equal(svl_parse_cpus("0", &cpus), 0);
    assert_true(CPU_ISSET(0, &cpus));
    assert_int_equal(CPU_COUNT(&cpus), 1);
    if (ncpus >= 4) {
        assert_int_equal(svl_parse_cpus("0,2-3", &cpus), 0);
        assert_int_equal(CPU_COUNT(&cpus), 3);
        svl_format_cpus(&cpus, back, sizeof(back));
        assert_string_equal(back, "0,2-3");
    }
    snprintf(text, sizeof(text), "%ld", ncpus); /* one past the last */
    assert_int_equal(svl_parse_cpus(text, &cpus), -ERANGE);
    assert_int_equal(svl_parse_cpus("", &cpus), -EINVAL);
    assert_int_equal(svl_parse_cpus("1-0", &cpus), -ERANGE);
    assert_int_equal(svl_parse_cpus("0,", &cpus), -EINVAL);
    assert_int_equal(svl_parse_cpus("0-", &cpus), -EINVAL);
    assert_int_equal(svl_parse_cpus("-1", &cpus), -EINVAL);
    assert_int_equal(svl_parse_cpus("0x1", &cpus), -EINVAL);
    assert_int_equal(svl_parse_cpus("99999999999999999999", &cpus), -ERANGE);
}

static void test_parse_domid(void **state)
{
    uint32_t domid = 7;

    (void)state;
    assert_true(svl_parse_domid("0", &domid));
    assert_int_equal(domid, 0);
    assert_true(svl_parse_domid("32751", &domid));
    assert_false(svl_parse_domid("32752", &domid)); /* DOMID_FIRST_RESERVED */
    assert_false(svl_parse_domid("4294967297", &domid));
    assert_false(svl_parse_domid("", &domid));
    assert_false(svl_parse_domid("-1", &domid));
    assert_false(svl_parse_domid(" 1", &domid));
}

static void test_error_lines(void **state)
{
    struct svl_ctx ctx = {.chan = -1};
    char big[2000];

    (void)state;
    assert_int_equal(svl_fail(&ctx, -EIO, "inner %d", 1), -EIO);
    assert_int_equal(svl_fail(&ctx, -ENOENT, "outer"), -ENOENT);
    assert_string_equal(ctx.error.message, "inner 1\nouter");
    svl_error_clear(&ctx);
    assert_string_equal(ctx.error.message, "");
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    svl_fail(&ctx, -EIO, "%s", big); /* cut, never past the buffer */
    svl_fail(&ctx, -EIO, "%s", big);
    assert_int_equal(strlen(ctx.error.message), sizeof(ctx.error.message) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_cpus),
        cmocka_unit_test(test_parse_domid),
        cmocka_unit_test(test_error_lines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
