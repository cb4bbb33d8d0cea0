# libxengnttab: Xen's xengnttab.h and xengntshr, over our hypercalls.
SHLIBS += xengnttab
xengnttab_SRCS := lib/xengnttab/xengnttab.c
xengnttab_LIBS := svcore
xengnttab_LDLIBS := -lpthread
