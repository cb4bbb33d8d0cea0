# libsvcore's unit tests: the message layer; where the run and log
# directories are.
UNIT_TESTS += test_msg test_util
test_msg_SRCS := lib/svcore/tests/test_msg.c
test_msg_LIBS := svcore
test_util_SRCS := lib/svcore/tests/test_util.c
test_util_LIBS := svcore
