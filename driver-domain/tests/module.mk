# netdd's pure parts: the software switch and GRO.
UNIT_TESTS += test_swswitch test_gro
test_swswitch_SRCS := driver-domain/tests/test_swswitch.c driver-domain/swswitch.c
test_swswitch_LIBS := svnetif svcore
test_gro_SRCS := driver-domain/tests/test_gro.c driver-domain/gro.c
