UNIT_TESTS += test_toeplitz
test_toeplitz_SRCS := lib/svnetif/tests/test_toeplitz.c
test_toeplitz_LIBS := svnetif
