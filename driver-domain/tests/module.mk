UNIT_TESTS += test_swswitch
test_swswitch_SRCS := driver-domain/tests/test_swswitch.c driver-domain/swswitch.c
test_swswitch_LIBS := svnetif svcore
