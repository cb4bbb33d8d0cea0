UNIT_TESTS += test_msg
test_msg_SRCS := lib/svcore/tests/test_msg.c
test_msg_LIBS := svcore
