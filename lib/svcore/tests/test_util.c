/* Unit tests: where the run and log directories are, from the environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sv/util.h"

static int clear_env(void **state)
{
    (void)state;
    unsetenv("SPLITVISOR_RUNDIR");
    unsetenv("SPLITVISOR_LOGDIR");
    return 0;
}

static void test_defaults(void **state)
{
    (void)state;
    assert_string_equal(sv_rundir(), SV_DEFAULT_RUNDIR);
    assert_string_equal(sv_logdir(), SV_DEFAULT_LOGDIR);
    /* The default run directory named explicitly is still the host's. */
    setenv("SPLITVISOR_RUNDIR", SV_DEFAULT_RUNDIR "/", 1);
    assert_string_equal(sv_logdir(), SV_DEFAULT_LOGDIR);
}

/* An instance of its own logs in its run directory: two must not share a file. */
static void test_own_instance_logs_in_its_rundir(void **state)
{
    (void)state;
    setenv("SPLITVISOR_RUNDIR", "/tmp/sv-x//", 1);
    assert_string_equal(sv_rundir(), "/tmp/sv-x");
    assert_string_equal(sv_logdir(), "/tmp/sv-x");
}

static void test_logdir_overrides(void **state)
{
    char path[64];

    (void)state;
    setenv("SPLITVISOR_RUNDIR", "/tmp/sv-x", 1);
    setenv("SPLITVISOR_LOGDIR", "/var/log/sv-2/", 1);
    assert_string_equal(sv_logdir(), "/var/log/sv-2");
    assert_int_equal(sv_logdir_path(path, sizeof(path), "nic0.log"), 0);
    assert_string_equal(path, "/var/log/sv-2/nic0.log");
    assert_int_equal(sv_logdir_path(path, 10, "nic0.log"), -ENAMETOOLONG);
    /* Empty means unset. */
    setenv("SPLITVISOR_LOGDIR", "", 1);
    assert_string_equal(sv_logdir(), "/tmp/sv-x");
}

/* A name that does not fit is not cut short into another directory. */
static void test_too_long_is_ignored(void **state)
{
    char name[400];

    (void)state;
    memset(name, 'a', sizeof(name) - 1);
    name[0] = '/';
    name[sizeof(name) - 1] = '\0';
    setenv("SPLITVISOR_LOGDIR", name, 1);
    assert_string_equal(sv_logdir(), SV_DEFAULT_LOGDIR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, clear_env),
        cmocka_unit_test_setup(test_own_instance_logs_in_its_rundir, clear_env),
        cmocka_unit_test_setup(test_logdir_overrides, clear_env),
        cmocka_unit_test_setup(test_too_long_is_ignored, clear_env),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
