# libxenctrl: the parts of Xen's xenctrl.h we serve, over our hypercalls.
SHLIBS += xenctrl
xenctrl_SRCS := lib/xenctrl/xenctrl.c
xenctrl_LIBS := svcore
