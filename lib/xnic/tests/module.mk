UNIT_TESTS += test_xnic_ctl
test_xnic_ctl_SRCS := lib/xnic/tests/test_xnic_ctl.c
test_xnic_ctl_LIBS := svxnic svcore
