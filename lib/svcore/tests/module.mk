# libsvcore's unit tests: where the run and log directories are.
UNIT_TESTS += test_util
test_util_SRCS := lib/svcore/tests/test_util.c
test_util_LIBS := svcore
