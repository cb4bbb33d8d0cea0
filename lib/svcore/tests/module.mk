UNIT_TESTS += test_msg
test_msg_SRCS := lib/svcore/tests/test_msg.c
test_msg_LIBS := svcore

UNIT_TESTS += test_pidfile test_cgroup
test_pidfile_SRCS := lib/svcore/tests/test_pidfile.c
test_pidfile_LIBS := svcore
test_cgroup_SRCS := lib/svcore/tests/test_cgroup.c
test_cgroup_LIBS := svcore
