# xenbus_check: drives the xenbus state machine for the integration tests.
TEST_PROGRAMS += xenbus_check
xenbus_check_SRCS := lib/xenbus/tests/xenbus_check.c
xenbus_check_LIBS := svxenbus xenstore svcore
xenbus_check_LDLIBS := -lpthread
