# libxenstore: the xenstore.h client library (dom0 socket transport), with
# Xen's prototypes so code written for Xen's libxenstore builds against it.
SHLIBS += xenstore
xenstore_SRCS := lib/xenstore/xs.c lib/xenstore/xs_proto.c lib/xenstore/xs_ring.c
xenstore_LIBS := svcore
xenstore_LDLIBS := -lpthread
