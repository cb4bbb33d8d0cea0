# libxenctrl: the parts of Xen's xenctrl.h we serve, over our hypercalls.
SHLIBS += xenctrl
xenctrl_SRCS := lib/xenctrl/xenctrl.c
xenctrl_LIBS := svcore

# libxenctrl against a fake hypervisor on a socket pair.
UNIT_TESTS += test_xenctrl
test_xenctrl_SRCS := lib/xenctrl/tests/test_xenctrl.c
test_xenctrl_LIBS := xenctrl svcore
