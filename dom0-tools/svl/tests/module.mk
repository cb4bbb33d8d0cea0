UNIT_TESTS += test_svl
test_svl_SRCS := dom0-tools/svl/tests/test_svl.c
test_svl_LIBS := svl svconfig svcore
