# testdom: the domain image the integration tests run (see its header).
TEST_PROGRAMS += testdom
testdom_SRCS := tests/domains/testdom.c
testdom_LIBS := xenctrl xenevtchn xengnttab svcore
