# libxenstore's unit tests, and xs_check: a client the integration tests drive.
UNIT_TESTS += test_xs_lib
test_xs_lib_SRCS := lib/xenstore/tests/test_xs_lib.c
test_xs_lib_LIBS := xenstore svcore
test_xs_lib_LDLIBS := -lpthread

TEST_PROGRAMS += xs_check
xs_check_SRCS := lib/xenstore/tests/xs_check.c
xs_check_LIBS := xenstore svcore
