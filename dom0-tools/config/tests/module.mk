# config-dump FILE: the JSON of a description (--xml: the XML), or the error.
TEST_PROGRAMS += config-dump
config-dump_SRCS := dom0-tools/config/tests/config_dump.c
config-dump_LIBS := svconfig svcore

UNIT_TESTS += test_config
test_config_SRCS := dom0-tools/config/tests/test_config.c
test_config_LIBS := svconfig svcore
