# libsvcore's unit tests: the message layer; where the run and log
# directories are; locked pid files; emptying a cgroup, delegating one (v2);
# the hypercall stubs; the token bucket and netback's credit scheme.
UNIT_TESTS += test_msg test_util test_hcall test_pidfile test_cgroup test_ratelimit
test_msg_SRCS := lib/svcore/tests/test_msg.c
test_msg_LIBS := svcore
test_util_SRCS := lib/svcore/tests/test_util.c
test_util_LIBS := svcore
test_pidfile_SRCS := lib/svcore/tests/test_pidfile.c
test_pidfile_LIBS := svcore
test_cgroup_SRCS := lib/svcore/tests/test_cgroup.c
test_cgroup_LIBS := svcore
test_hcall_SRCS := lib/svcore/tests/test_hcall.c
test_hcall_LIBS := svcore
test_ratelimit_SRCS := lib/svcore/tests/test_ratelimit.c
test_ratelimit_LIBS := svcore
