# libxenevtchn: Xen's xenevtchn.h, over our hypercalls.
SHLIBS += xenevtchn
xenevtchn_SRCS := lib/xenevtchn/xenevtchn.c
xenevtchn_LIBS := svcore
