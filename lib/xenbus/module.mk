# libsvxenbus: xenbus helpers for split drivers, over libxenstore.
SHLIBS += svxenbus
svxenbus_SRCS := lib/xenbus/xenbus.c
svxenbus_LIBS := xenstore svcore
