UNIT_TESTS += test_pktgen
test_pktgen_SRCS := guest/tests/test_pktgen.c guest/pktgen_frame.c
test_pktgen_LIBS := svnetif svcore
