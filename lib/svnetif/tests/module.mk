UNIT_TESTS += test_toeplitz
test_toeplitz_SRCS := lib/svnetif/tests/test_toeplitz.c
test_toeplitz_LIBS := svnetif
UNIT_TESTS += test_gro
test_gro_SRCS := lib/svnetif/tests/test_gro.c
test_gro_LIBS := svnetif
